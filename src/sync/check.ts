// The configuration check of one connection: its connector's own reads of the tracker (connectors/*/check.ts)
// plus what only this service knows (where it takes webhooks, Asana's registration in its database), with
// every configured secret scrubbed from the words as a last guard. Shared by `npm run check`, the admin
// route GET /admin/connections and the health rule of /admin/sync-status.
import type { CheckContext, CheckFinding, Connector, TrackerKind } from '../../connectors/contract.ts';
import type { PrismaClient } from '../db.ts';
import { withTimeout } from '../metrics.ts';
import type { ConnectionConfig } from './connections.ts';

export type CheckLevel = CheckFinding['level'];

export type ConnectionReport = {
  connection: string;
  tracker: TrackerKind;
  /** Where it points, for people: owner/name, the Jira project key, the Asana project gid. */
  target: string;
  /** The worst finding's level. */
  level: CheckLevel;
  findings: CheckFinding[];
  checkedAt: string;
};

export type CheckEnvironment = {
  /** PUBLIC_URL (or its default) and whether it was set: webhook URLs, and whether Asana's is registered at all. */
  publicUrl: string;
  publicUrlSet: boolean;
  /** For Asana's webhook registration state; null: no database to ask. */
  prisma: PrismaClient | null;
};

const DB_TIMEOUT_MS = 2000;

export function targetLabel(c: ConnectionConfig): string {
  return c.kind === 'github' ? c.settings.repository : c.kind === 'jira' ? c.settings.projectKey : `project ${c.settings.projectGid}`;
}

/** Where this service takes the connection's webhooks (POST /webhooks/<kind>/<name>; /webhooks/<kind> too for the kind's own name). */
export function webhookContext(c: ConnectionConfig, publicUrl: string): CheckContext {
  if (c.kind === 'asana' || c.webhookSecrets.length === 0) return { webhook: null };
  const path = `/webhooks/${c.kind}/${c.name}`;
  return { webhook: { url: `${publicUrl.replace(/\/+$/, '')}${path}`, paths: [path, ...(c.name === c.kind ? [`/webhooks/${c.kind}`] : [])] } };
}

export async function checkConnection(c: ConnectionConfig, connector: Connector, env: CheckEnvironment): Promise<ConnectionReport> {
  let findings: CheckFinding[];
  try {
    findings = await connector.check(webhookContext(c, env.publicUrl));
  } catch (err) {
    // check() promises not to throw; should one still, the operator sees it as a finding, not a crash.
    findings = [{ level: 'error', what: `the check failed: ${err instanceof Error ? err.message : String(err)}` }];
  }
  if (c.kind === 'asana') findings.push(await asanaWebhookFinding(c.name, c.settings.projectGid, env));
  const secrets = secretsOf(c);
  const clean = findings.map((f) => ({ level: f.level, what: scrub(f.what, secrets), ...(f.fix !== undefined && { fix: scrub(f.fix, secrets) }) }));
  return { connection: c.name, tracker: c.kind, target: targetLabel(c), level: worst(clean), findings: clean, checkedAt: new Date().toISOString() };
}

export function worst(findings: readonly CheckFinding[]): CheckLevel {
  return findings.some((f) => f.level === 'error') ? 'error' : findings.some((f) => f.level === 'warn') ? 'warn' : 'ok';
}

/** Asana's webhook is registered by this service (src/inbound/register-webhooks.ts): its row says whether that worked. */
async function asanaWebhookFinding(connection: string, projectGid: string, env: CheckEnvironment): Promise<CheckFinding> {
  if (!env.publicUrlSet) {
    return { level: 'warn', what: 'webhook not registered: PUBLIC_URL is not set, so changes made in Asana arrive by polling only', fix: 'set PUBLIC_URL to the public HTTPS address at which Asana reaches this service' };
  }
  if (!env.prisma) return { level: 'warn', what: 'webhook: cannot verify (no database to read the registration from)' };
  try {
    const row = await withTimeout(
      env.prisma.webhookRegistration.findFirst({ where: { connection, resource: projectGid, state: 'active' }, orderBy: { createdAt: 'desc' }, select: { target: true } }),
      'the database',
      DB_TIMEOUT_MS,
    );
    if (row) return { level: 'ok', what: `webhook registered (target ${row.target})` };
    return {
      level: 'warn',
      what: `no active webhook registration for project ${projectGid}: changes made in Asana arrive by polling only`,
      fix: 'the service registers it at start (look for "webhook registration failed" in its log); `npm run webhooks` registers it on demand',
    };
  } catch (err) {
    return { level: 'warn', what: `webhook: cannot verify (the database is unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}

/** Every credential and secret of the connection, in the forms they could appear in. */
function secretsOf(c: ConnectionConfig): string[] {
  const s: (string | undefined)[] = [...c.webhookSecrets];
  if (c.kind === 'github') s.push(c.settings.token, (c.settings as { app?: { privateKey?: string } }).app?.privateKey);
  if (c.kind === 'jira') s.push(c.settings.apiToken, Buffer.from(`${c.settings.email}:${c.settings.apiToken}`).toString('base64'));
  if (c.kind === 'asana') s.push(c.settings.token);
  return s.filter((x): x is string => typeof x === 'string' && x.length >= 4);
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
}
