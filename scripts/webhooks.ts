// `npm run webhooks`: for every connection, registers (or confirms) the Asana webhooks and prints what
// to set up by hand in GitHub and Jira: the URL of that connection, the events, where its secret comes
// from. Reads the same environment (and .env) and SYNC_CONFIG as the service.
import { ConfigError, loadConfig, loadDotEnv } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createPrisma } from '../src/db.ts';
import { loadSyncConfig } from '../src/sync/sync-config.ts';
import { resolveConnections, type ConnectionConfig } from '../src/sync/connections.ts';
import { WebhookRegistrations } from '../src/inbound/registrations.ts';
import { ensureWebhook } from '../src/inbound/register-webhooks.ts';
import { createAsanaWebhookRegistrar } from '../connectors/asana/webhooks-api.ts';

loadDotEnv();
let connections: ConnectionConfig[];
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
  connections = resolveConnections(config, loadSyncConfig(config.syncConfigPath));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const base = config.publicUrl;
const log = createLogger('warn', 'webhooks');
const lines: string[] = [];
const say = (s = '') => lines.push(s);

/** Where a connection's secret is set: the variable for the environment-only ones, the file for the others. */
const secretSource = (c: ConnectionConfig) => (c.source === 'env' ? `${c.kind.toUpperCase()}_WEBHOOK_SECRET` : `SYNC_CONFIG connections.${c.name}.webhookSecret`);
/** The kind's own URL serves the connection named after it; every connection has its own. */
const urlOf = (c: ConnectionConfig) => `${base}/webhooks/${c.kind}${c.name === c.kind ? '' : `/${c.name}`}`;
const secretStatus = (c: ConnectionConfig) => (c.webhookSecrets.length ? `${secretSource(c)} is set` : `${secretSource(c)} is NOT set: the route stays closed`);

if (!config.publicUrlSet) say(`PUBLIC_URL is not set: trackers must reach this service over the internet (HTTPS). Using ${base} below.`);

for (const c of connections) {
  if (c.kind === 'github') {
    say(`GitHub connection ${c.name} (${c.settings.repository}): Settings → Webhooks → Add webhook`);
    say(`  Payload URL:  ${urlOf(c)}`);
    say('  Content type: application/json');
    say(`  Secret:       the value of ${secretSource(c)} (16+ characters; several while rotating)`);
    say('  Events:       "Let me select individual events" → Issues');
    say(`  Status here:  ${secretStatus(c)}`);
  } else if (c.kind === 'jira') {
    say(`Jira connection ${c.name} (${c.settings.baseUrl}, project ${c.settings.projectKey}): Settings → System → WebHooks → Create a WebHook`);
    say(`  URL:          ${urlOf(c)}`);
    say(`  Secret:       the value of ${secretSource(c)}`);
    say(`  JQL filter:   project = ${c.settings.projectKey} (or project in (${c.settings.projectKey}, <every project its issues may be moved to>))`);
    say('  Events:       Issue → updated, deleted');
    say(`  Status here:  ${secretStatus(c)}`);
  } else {
    const prisma = createPrisma(config.databaseUrl);
    try {
      const registrar = createAsanaWebhookRegistrar(c.settings, config.sync.timeoutMs, c.name);
      const result = await ensureWebhook(registrar, new WebhookRegistrations(prisma), base, log);
      if (result) {
        say(`Asana connection ${c.name} (project ${c.settings.projectGid}): webhook ${result.outcome} (gid ${result.remoteId})`);
        say(`  Target:       ${result.target}`);
      } else {
        say(`Asana connection ${c.name} (project ${c.settings.projectGid}): a running service is registering the webhook right now; run this again in a minute`);
      }
      say("  The service answers Asana's handshake itself; it must be running and reachable at PUBLIC_URL.");
    } catch (err) {
      say(`Asana connection ${c.name}: could not register the webhook: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    } finally {
      await prisma.$disconnect();
    }
  }
  say();
}
if (connections.length === 0) say('No connection is configured.');
say(`Polling (SYNC_POLL_MS=${config.sync.pollMs}) heals what webhooks miss either way.`);
console.log(lines.join('\n'));
