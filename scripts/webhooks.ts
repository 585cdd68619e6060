// `npm run webhooks`: registers (or confirms) the Asana webhook for the configured project, and prints
// what to set up by hand in GitHub and Jira: the URL, the events, the secret variable. Reads the same
// environment (and .env) as the service.
import { loadConfig, loadDotEnv } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createPrisma } from '../src/db.ts';
import { WebhookRegistrations } from '../src/inbound/registrations.ts';
import { ensureWebhook } from '../src/inbound/register-webhooks.ts';
import { createAsanaWebhookRegistrar } from '../connectors/asana/webhooks-api.ts';

loadDotEnv();
const config = loadConfig();
const base = config.publicUrl;
const log = createLogger('warn', 'webhooks');
const lines: string[] = [];
const say = (s = '') => lines.push(s);

if (!config.publicUrlSet) say(`PUBLIC_URL is not set: trackers must reach this service over the internet (HTTPS). Using ${base} below.`);

if (config.trackers.github) {
  say(`GitHub (${config.trackers.github.repository}): Settings → Webhooks → Add webhook`);
  say(`  Payload URL:  ${base}/webhooks/github`);
  say('  Content type: application/json');
  say('  Secret:       the value of GITHUB_WEBHOOK_SECRET (16+ characters; several, comma-separated, while rotating)');
  say('  Events:       "Let me select individual events" → Issues');
  say(`  Status here:  ${config.webhookSecrets.github.length ? 'GITHUB_WEBHOOK_SECRET is set' : 'GITHUB_WEBHOOK_SECRET is NOT set: the route stays closed'}`);
  say();
}
if (config.trackers.jira) {
  say(`Jira (${config.trackers.jira.baseUrl}): Settings → System → WebHooks → Create a WebHook`);
  say(`  URL:          ${base}/webhooks/jira`);
  say('  Secret:       the value of JIRA_WEBHOOK_SECRET');
  say(`  JQL filter:   project = ${config.trackers.jira.projectKey}`);
  say('  Events:       Issue → updated, deleted');
  say(`  Status here:  ${config.webhookSecrets.jira.length ? 'JIRA_WEBHOOK_SECRET is set' : 'JIRA_WEBHOOK_SECRET is NOT set: the route stays closed'}`);
  say();
}
if (config.trackers.asana) {
  const prisma = createPrisma(config.databaseUrl);
  try {
    const registrar = createAsanaWebhookRegistrar(config.trackers.asana, config.sync.timeoutMs);
    const result = await ensureWebhook(registrar, new WebhookRegistrations(prisma), base, log);
    if (result) {
      say(`Asana (project ${config.trackers.asana.projectGid}): webhook ${result.outcome} (gid ${result.remoteId})`);
      say(`  Target:       ${result.target}`);
    } else {
      say(`Asana (project ${config.trackers.asana.projectGid}): a running service is registering the webhook right now; run this again in a minute`);
    }
    say('  The service answers Asana\'s handshake itself; it must be running and reachable at PUBLIC_URL.');
  } catch (err) {
    say(`Asana: could not register the webhook: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await prisma.$disconnect();
  }
  say();
}
if (!config.trackers.github && !config.trackers.jira && !config.trackers.asana) say('No tracker is configured.');
say(`Polling (SYNC_POLL_MS=${config.sync.pollMs}) heals what webhooks miss either way.`);
console.log(lines.join('\n'));
