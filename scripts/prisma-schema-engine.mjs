#!/usr/bin/env node
// Drop-in replacement for Prisma's native `schema-engine` binary, for offline use.
// Point PRISMA_SCHEMA_ENGINE_BINARY at this file (scripts/prisma.ts does that).
//
// The Prisma CLI spawns the binary as
//   schema-engine [--datamodels <file>]... [--datasource '{"url":...,"shadowDatabaseUrl":...}']
// and talks newline-delimited JSON-RPC 2.0 over stdio: requests on stdin, responses on
// stdout, JSON log lines ({level, fields:{message}}) on stderr. `schema-engine --version`
// is also run (by `prisma version`). We answer each request by calling the same-named
// method of Prisma's WebAssembly schema engine, which reaches Postgres through
// @prisma/adapter-pg.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import readline from 'node:readline'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import * as wasmBindings from '@prisma/schema-engine-wasm/schema_engine_bg'

const require = createRequire(import.meta.url)

// ---------------------------------------------------------------- wasm loading
// The package's own entry uses `import x from '*.wasm'` (ESM-wasm integration), so
// instantiate the module by hand instead, the way wasm-bindgen's glue expects.
let panicMessage = ''
// wasm-bindgen's panic hook reports the panic text through this global.
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (m) => { panicMessage = m } }
{
  const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
  const bytes = readFileSync(path.join(path.dirname(glue), 'schema_engine_bg.wasm'))
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    './schema_engine_bg.js': wasmBindings,
  })
  wasmBindings.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start()
}

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2)
if (argv.includes('--version') || argv.includes('-V')) {
  // The CLI only displays this; same shape as the native binary's output.
  console.log(`schema-engine-cli ${wasmBindings.version()}`)
  process.exit(0)
}
const datamodelPaths = []
let datasource = {}
let cliCommand
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--datamodels') datamodelPaths.push(argv[++i])
  else if (argv[i] === '--datasource') datasource = JSON.parse(argv[++i])
  // --enabled-preview-features / --extension-types: the wasm engine takes no equivalent.
  else if (argv[i] === '--enabled-preview-features' || argv[i] === '--extension-types') i++
  else if (argv[i] === 'cli') cliCommand = argv[++i] ?? ''
  else if (argv[i] === '--help' || argv[i] === '-h') {
    console.log('Usage: prisma-schema-engine [--datamodels <file>]... [--datasource <json>]  (JSON-RPC on stdio)\n' +
      '       prisma-schema-engine --datasource <json> cli can-connect-to-database|create-database|drop-database')
    process.exit(0)
  }
}

// ---------------------------------------------------------------- logging
// The CLI parses stderr lines as JSON and, if the engine exits non-zero, shows the
// messages (level ERROR becomes the reported error). URLs are never logged.
function log(level, message) {
  process.stderr.write(JSON.stringify({
    timestamp: new Date().toISOString(), level, fields: { message: String(message) }, target: 'prisma-schema-engine-shim',
  }) + '\n')
}

// ---------------------------------------------------------------- adapters
// adapter-pg maps Postgres' internal one-byte "char" type (OID 18; pg_constraint.contype,
// confdeltype, ... read by the engine's introspection) to UnsupportedNativeDataType.
// Its text form is just a string, so report such columns as TEXT (OID 25).
const PG_CHAR = 18
const PG_TEXT = 25
function acceptCharColumns(queryable) {
  const performIO = queryable.performIO
  queryable.performIO = async function (query) {
    const result = await performIO.call(this, query)
    for (const field of result?.fields ?? []) if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT
    return result
  }
  if (typeof queryable.startTransaction === 'function') {
    const startTransaction = queryable.startTransaction
    queryable.startTransaction = async function (...args) {
      return acceptCharColumns(await startTransaction.apply(this, args))
    }
  }
  // adapter-pg's executeScript splits the script on every ';' (breaking $$-quoted function
  // bodies and string literals). Postgres' simple-query protocol runs a multi-statement
  // script as one implicit transaction, which is what the native engine does.
  if (typeof queryable.executeScript === 'function' && queryable.client) {
    queryable.executeScript = async function (script) {
      try {
        await this.client.query(script)
      } catch (error) {
        this.onError(error)
      }
    }
  }
  return queryable
}

/**
 * Pool config for a connection string. `?schema=` is Prisma's, not libpq's: like the
 * native engine, make it the search_path (unqualified names, _prisma_migrations) and
 * tell the adapter (the engine reads it from getConnectionInfo()).
 */
function poolConfig(url, database) {
  const u = new URL(url)
  const schema = u.searchParams.get('schema') ?? undefined
  u.searchParams.delete('schema')
  if (database) u.pathname = '/' + encodeURIComponent(database)
  const config = { connectionString: u.toString(), max: 4 }
  if (schema) config.options = `-c search_path=${quoteIdent(schema).replaceAll(' ', '\\ ')}`
  return { config, schema }
}

async function connectAdapter(url, database) {
  const { config, schema } = poolConfig(url, database)
  const adapter = await new PrismaPg(config, schema ? { schema } : undefined).connect()
  return acceptCharColumns(adapter)
}

const quoteIdent = (name) => '"' + name.replaceAll('"', '""') + '"'

// Drops every user schema (with its tables, types, functions, extensions) and recreates
// an empty `public`: a database-level reset that needs no CREATE DATABASE privilege.
const WIPE_DATABASE_SQL = `DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
END $$`

// Shadow databases we created and have not dropped yet.
const liveShadowDbs = new Set()

/**
 * Adapter factory handed to the wasm engine. connectToShadowDb is NOT delegated to
 * PrismaPg.connectToShadowDb(): that one builds the shadow pool from the original
 * config, whose connection string wins over the `database` override, so the "shadow"
 * work (which wipes and replays migrations) would hit the main database.
 */
function makeFactory() {
  const url = datasource.url
  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async connect() {
      if (!url) throw new Error('No datasource URL: set datasource.url in prisma.config.ts')
      return connectAdapter(url)
    },
    async connectToShadowDb() {
      if (!url) throw new Error('No datasource URL: set datasource.url in prisma.config.ts')
      // An explicitly configured shadow database (for users who may not CREATE DATABASE)
      // is wiped before and after use, as the native engine does; the wasm engine doesn't.
      if (datasource.shadowDatabaseUrl) {
        // Asked of the servers, not read from the URLs: localhost, 127.0.0.1, a DNS alias or a
        // socket path can all name the same database.
        const [main, shadow] = await Promise.all([databaseIdentity(url), databaseIdentity(datasource.shadowDatabaseUrl)])
        if (main && main === shadow) {
          throw new Error('The shadow database URL points to the main database; refusing to wipe it.')
        }
        const adapter = await connectAdapter(datasource.shadowDatabaseUrl)
        await adapter.client.query(WIPE_DATABASE_SQL)
        const release = adapter.release
        adapter.release = async () => {
          await adapter.client.query(WIPE_DATABASE_SQL).catch((e) => log('WARN', `could not wipe shadow database: ${e.message}`))
          await release?.()
        }
        return adapter
      }
      const name = `${databaseName(url).slice(0, 40)}_shadow_${randomBytes(6).toString('hex')}`
      await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`)
      liveShadowDbs.add(name)
      log('INFO', `created shadow database ${name}`)
      const adapter = await connectAdapter(url, name)
      // The engine disposes the shadow adapter when it is done with it: drop the database then.
      const release = adapter.release
      adapter.release = async () => {
        await release?.()
        await dropShadowDb(name)
      }
      return adapter
    },
  }
  return bindMigrationAwareSqlAdapterFactory(factory)
}

/**
 * Which database a URL reaches, as the server reports it: the cluster (its system identifier, else
 * the server's address and port), the database's oid and name. Null when the database does not exist.
 */
async function databaseIdentity(url) {
  try {
    return await withAdminClient(url, async (c) => {
      const { rows: [db] } = await c.query(
        `SELECT current_database() AS name, (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS oid,
                inet_server_addr()::text AS addr, inet_server_port() AS port`)
      // pg_control_system() may be closed to ordinary roles; the address then tells clusters apart.
      const cluster = await c.query('SELECT system_identifier::text AS id FROM pg_control_system()')
        .then((r) => r.rows[0].id, () => `${db.addr ?? 'socket'}:${db.port ?? ''}`)
      return `${cluster}/${db.oid}/${db.name}`
    })
  } catch (error) {
    if (error.code === '3D000') return null
    throw error
  }
}

const databaseName = (url) => decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres'

/** Runs fn with a one-off client on `url` (or on another database of that server). */
async function withAdminClient(url, fn, database) {
  const client = new pg.Client(poolConfig(url, database).config)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** CREATE/DROP DATABASE from the main database, or from `postgres` if that one is missing. */
async function adminQuery(sql) {
  try {
    return await withAdminClient(datasource.url, (c) => c.query(sql))
  } catch (error) {
    if (error.code !== '3D000') throw error
    return withAdminClient(datasource.url, (c) => c.query(sql), 'postgres')
  }
}

async function dropShadowDb(name) {
  if (!liveShadowDbs.has(name)) return
  liveShadowDbs.delete(name)
  try {
    // WITH (FORCE) (PG 13+): a pool connection the engine forgot must not block the drop.
    await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    log('INFO', `dropped shadow database ${name}`)
  } catch (error) {
    log('WARN', `could not drop shadow database ${name}: ${error.message}`)
  }
}

// ---------------------------------------------------------------- `cli` subcommands
// `prisma migrate dev/deploy` first run `schema-engine --datasource <json> cli
// can-connect-to-database` (then `create-database` on P1003). The CLI reads the
// *second and later* stderr lines as JSON and looks for an ERROR line from target
// `schema_engine::logger` with fields.error_code / fields.message.
function describeConnectError(error, url) {
  const u = new URL(url)
  const where = `${u.hostname}:${u.port || 5432}`
  const db = databaseName(url)
  if (error.code === '3D000') return ['P1003', `Database \`${db}\` does not exist on the database server at \`${where}\`.`]
  if (error.code === '28P01' || error.code === '28000') {
    return ['P1000', `Authentication failed against database server at \`${where}\`, the provided database credentials are not valid.`]
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(error.code)) {
    return ['P1001', `Can't reach database server at \`${where}\``]
  }
  return [undefined, error.message]
}

async function runCli(command) {
  const logLine = (level, fields) => process.stderr.write(JSON.stringify({
    timestamp: new Date().toISOString(), level, fields, target: 'schema_engine::logger',
  }) + '\n')
  logLine('INFO', { message: `Starting schema engine CLI (${command})` }) // skipped by the CLI's parser
  const url = datasource.url
  try {
    if (!url) throw new Error('No datasource URL given (--datasource {"url": ...})')
    const db = databaseName(url)
    if (command === 'can-connect-to-database') {
      await withAdminClient(url, (c) => c.query('SELECT 1'))
      console.log('Connection successful')
    } else if (command === 'create-database') {
      await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(db)}`), 'postgres')
      console.log(`Database '${db}' was successfully created.`)
    } else if (command === 'drop-database') {
      await withAdminClient(url, (c) => c.query(`DROP DATABASE ${quoteIdent(db)}`), 'postgres')
      console.log(`The database was successfully dropped.`)
    } else {
      throw new Error(`Unknown cli subcommand: ${command}`)
    }
    process.exit(0)
  } catch (error) {
    const [code, message] = url ? describeConnectError(error, url) : [undefined, error.message]
    logLine('ERROR', code ? { message, error_code: code } : { message })
    process.exit(1)
  }
}
if (cliCommand !== undefined) await runCli(cliCommand)

// ---------------------------------------------------------------- engine
const datamodels = datamodelPaths.length
  ? datamodelPaths.map((p) => [p, readFileSync(p, 'utf8')])
  : undefined // must be undefined or non-empty
const adapterFactory = makeFactory()
// Note: construction already queries the database (schema existence, server version).
const enginePromise = wasmBindings.SchemaEngine.new(
  { datamodels },
  // The engine hands over ready-made JSON log lines (the CLI's stderr format); pass them on.
  (message) => process.stderr.write(String(message).trimEnd() + '\n'),
  adapterFactory,
)
enginePromise.catch(() => {}) // reported per request

// CLI method name -> implementation (default: the wasm method of the same name).
const special = {
  getDatabaseVersion: (engine, params) => engine.version(params ?? null),
  // Not in the wasm engine; same semantics as the native one for Postgres.
  createDatabase: async (_engine, params) => {
    const url = params?.datasource?.url ?? datasource.url
    const name = databaseName(url)
    await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`), 'postgres')
    return { databaseName: name }
  },
}

async function call(method, params) {
  const engine = await enginePromise
  if (special[method]) return special[method](engine, params)
  if (method === 'free' || typeof engine[method] !== 'function') {
    throw Object.assign(new Error(`Method not found: ${method}`), { rpcCode: -32601 })
  }
  // Keep the method call on `engine` itself: wasm-bindgen methods need `this`.
  const result = await engine[method](params)
  if (method === 'diff') {
    // The native engine prints the diff via a `print` request to the CLI (the CLI
    // ignores result.stdout), so do the same.
    const { stdout, ...rest } = result
    // The CLI appends a newline to what it prints, so drop ours: output === stdout.
    if (stdout) await requestClient('print', { content: stdout.replace(/\n$/, '') })
    return rest
  }
  return result ?? {}
}

// ---------------------------------------------------------------- JSON-RPC
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n')

let nextClientRequestId = 1
const pendingClientRequests = new Map()
function requestClient(method, params) {
  const id = `shim-${nextClientRequestId++}`
  return new Promise((resolve) => {
    pendingClientRequests.set(id, resolve)
    send({ jsonrpc: '2.0', id, method, params })
  })
}

/** Error object in the shape the CLI's SchemaEngineCLI understands. */
function toRpcError(error) {
  if (error?.rpcCode) return { code: error.rpcCode, message: error.message }
  if (error instanceof WebAssembly.RuntimeError || error?.name === 'RuntimeError') {
    const message = panicMessage || String(error?.message ?? error)
    return { code: 4466, message, data: { is_panic: true, message, backtrace: error?.stack ?? null } }
  }
  let message = String(error?.message ?? error)
  // JS exceptions inside adapter calls reach us as "External error id#N"; the original
  // error is kept in the bound factory's registry.
  const external = /External error id#(\d+)/.exec(message)
  const original = external && adapterFactory.errorRegistry.consumeError(Number(external[1]))?.error
  if (original) message = `${original.message ?? original}\n${message}`
  const data = { is_panic: false, message }
  if (typeof error?.code === 'string' && /^P\d{4}$/.test(error.code)) {
    data.error_code = error.code
    data.meta = error.meta ?? null
  }
  log('ERROR', message)
  return { code: 4466, message: 'An error happened. Check the data field for details.', data }
}

// Requests are handled one at a time, in order, like the native engine.
let queue = Promise.resolve()
function handleLine(line) {
  if (!line.trim()) return
  let msg
  try {
    msg = JSON.parse(line)
  } catch {
    send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
    return
  }
  if (msg.method === undefined) {
    // A response to one of our own requests (`print`).
    pendingClientRequests.get(msg.id)?.(msg)
    pendingClientRequests.delete(msg.id)
    return
  }
  queue = queue.then(async () => {
    let response
    try {
      const result = await call(msg.method, msg.params)
      response = { jsonrpc: '2.0', id: msg.id, result }
    } catch (error) {
      response = { jsonrpc: '2.0', id: msg.id, error: toRpcError(error) }
    } finally {
      // The CLI SIGTERMs us right after closing stdin, so never leave a shadow database
      // behind past the response of the request that needed it.
      await Promise.all([...liveShadowDbs].map(dropShadowDb))
    }
    if (msg.id !== undefined) send(response)
  })
}

async function shutdown(code, { signal = false } = {}) {
  // On a signal, give an in-flight request (its transaction, its shadow DB) a moment only.
  if (signal) setTimeout(() => process.exit(code), 5000).unref()
  await queue.catch(() => {})
  await Promise.all([...liveShadowDbs].map(dropShadowDb))
  // The wasm engine keeps a timer (and pools) alive; exit explicitly.
  process.exit(code)
}

readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on('line', handleLine)
  .on('close', () => shutdown(0))
// The CLI SIGTERMs the engine as soon as it has closed stdin.
process.on('SIGTERM', () => shutdown(0, { signal: true }))
process.on('SIGINT', () => shutdown(130, { signal: true }))
