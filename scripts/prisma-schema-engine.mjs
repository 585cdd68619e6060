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
if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'cli') {
  console.error('Usage: prisma-schema-engine [--datamodels <file>]... [--datasource <json>]\n' +
    '(JSON-RPC over stdio only; the native `cli` subcommands are not supported)')
  process.exit(argv[0] === 'cli' ? 1 : 0)
}
const datamodelPaths = []
let datasource = {}
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--datamodels') datamodelPaths.push(argv[++i])
  else if (argv[i] === '--datasource') datasource = JSON.parse(argv[++i])
  // --enabled-preview-features / --extension-types: the wasm engine takes no equivalent.
  else if (argv[i] === '--enabled-preview-features' || argv[i] === '--extension-types') i++
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

/** Pool config for a connection string; `?schema=` is Prisma's, not libpq's. */
function poolConfig(url, database) {
  const u = new URL(url)
  const schema = u.searchParams.get('schema') ?? undefined
  u.searchParams.delete('schema')
  if (database) u.pathname = '/' + encodeURIComponent(database)
  return { config: { connectionString: u.toString(), max: 4 }, schema }
}

async function connectAdapter(url, database) {
  const { config, schema } = poolConfig(url, database)
  const adapter = await new PrismaPg(config, schema ? { schema } : undefined).connect()
  return acceptCharColumns(adapter)
}

const quoteIdent = (name) => '"' + name.replaceAll('"', '""') + '"'

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
      // An explicitly configured shadow database is used as is (like the native engine,
      // it must be a disposable database: the engine resets it).
      if (datasource.shadowDatabaseUrl) return connectAdapter(datasource.shadowDatabaseUrl)
      const mainDb = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres'
      const name = `${mainDb}_shadow_${randomBytes(6).toString('hex')}`.slice(-63)
      await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`))
      liveShadowDbs.add(name)
      log('INFO', `created shadow database ${name}`)
      const adapter = await connectAdapter(url, name)
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

/** A one-off client on the main database, used to create/drop other databases. */
async function withAdminClient(url, fn, database) {
  const client = new pg.Client(poolConfig(url, database).config)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function dropShadowDb(name) {
  if (!liveShadowDbs.has(name)) return
  liveShadowDbs.delete(name)
  try {
    // WITH (FORCE) (PG 13+): a pool connection the engine forgot must not block the drop.
    await withAdminClient(datasource.url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`))
    log('INFO', `dropped shadow database ${name}`)
  } catch (error) {
    log('WARN', `could not drop shadow database ${name}: ${error.message}`)
  }
}

// ---------------------------------------------------------------- engine
const datamodels = datamodelPaths.length
  ? datamodelPaths.map((p) => [p, readFileSync(p, 'utf8')])
  : undefined // must be undefined or non-empty
const enginePromise = wasmBindings.SchemaEngine.new(
  { datamodels },
  (message) => log('INFO', message),
  makeFactory(),
)
enginePromise.catch(() => {}) // reported per request

// CLI method name -> implementation (default: the wasm method of the same name).
const special = {
  getDatabaseVersion: (engine, params) => engine.version(params ?? null),
  // Not in the wasm engine; same semantics as the native one for Postgres.
  createDatabase: async (_engine, params) => {
    const url = params?.datasource?.url ?? datasource.url
    const name = decodeURIComponent(new URL(url).pathname.slice(1))
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
  const message = String(error?.message ?? error)
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

async function shutdown(code) {
  await queue.catch(() => {})
  await Promise.all([...liveShadowDbs].map(dropShadowDb))
  // The wasm engine keeps a timer (and pools) alive; exit explicitly.
  process.exit(code)
}

readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on('line', handleLine)
  .on('close', () => shutdown(0))
process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(130))
