// `npm run check` (`node src/main.ts check`): checks every configured connection against its tracker,
// with the configuration loaded exactly as the service loads it, and prints one line per connection plus
// its findings. Exit 0 when nothing is an error, 1 otherwise (a configuration the service would refuse
// exits 2 before this runs). Needs no Redis; the database only for Asana's webhook registration, and
// says "cannot verify" when it is away.
import type { Config } from './config.ts';
import { createPrisma } from './db.ts';
import type { SyncConfig } from './sync/sync-config.ts';
import type { ConnectionConfig } from './sync/connections.ts';
import { buildConnectors } from './sync/connectors.ts';
import { checkConnection, type CheckLevel, type ConnectionReport } from './sync/check.ts';

const MARK: Record<CheckLevel, string> = { ok: '✓', warn: '!', error: '✗' };

export async function runCheck(config: Config, sync: SyncConfig, connections: readonly ConnectionConfig[], print: (line: string) => void = console.log): Promise<number> {
  if (connections.length === 0) {
    print('No connection is configured (GITHUB_*, JIRA_*, ASANA_* or SYNC_CONFIG connections): nothing to check.');
    return 0;
  }
  const connectors = await buildConnectors(connections, sync, config.sync.timeoutMs);
  const prisma = connections.some((c) => c.kind === 'asana') ? createPrisma(config.databaseUrl) : null;
  try {
    const env = { publicUrl: config.publicUrl, publicUrlSet: config.publicUrlSet, prisma };
    const reports = await Promise.all(connections.map((c) => checkConnection(c, connectors.get(c.name)!, env)));
    for (const r of reports) for (const line of formatReport(r)) print(line);
    const errors = reports.filter((r) => r.level === 'error').length;
    print('');
    print(errors ? `${errors} of ${reports.length} connection(s) will fail until the errors above are fixed.` : `${reports.length} connection(s) checked: no error.`);
    return errors ? 1 : 0;
  } finally {
    await prisma?.$disconnect().catch(() => undefined);
  }
}

/** `✓ name (kind target): ok`, or the first error (else warning) with its fix; then every finding, indented. */
export function formatReport(r: ConnectionReport): string[] {
  const head = r.findings.find((f) => f.level === r.level && r.level !== 'ok');
  const summary = head ? `${head.what}${head.fix ? ` — fix: ${head.fix}` : ''}` : 'ok';
  return [
    `${MARK[r.level]} ${r.connection} (${r.tracker} ${r.target}): ${summary}`,
    ...r.findings.map((f) => `    ${MARK[f.level]} ${f.what}${f.level !== 'ok' && f.fix ? ` — fix: ${f.fix}` : ''}`),
  ];
}
