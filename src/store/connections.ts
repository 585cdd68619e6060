// The Connection rows: what the configuration names, recorded so every keyed row has its connection and a
// name never silently changes meaning. Run at every start, before anything syncs.
import type { PrismaClient } from '../db.ts';
import { ConfigError } from '../config.ts';
import { targetKey, type ConnectionConfig } from '../sync/connections.ts';

export type Retargeted = { connection: string; from: string; to: string; links: number };
export type ConnectionSync = { adopted: string[]; retired: string[]; retargeted: Retargeted[] };

/**
 * Upserts each configured connection. A row the migration made (no target yet) adopts its target. A
 * name that now names another kind stops the start: its links hold another tracker's ids. A name that
 * now points at another target while it has links is reported (the caller warns): a renamed repository
 * or a moved Jira site is that, and so is a mistake, which restoring the old value undoes; the links are
 * kept either way. Rows no longer configured are retired: links kept, not synced.
 */
export async function recordConnections(prisma: PrismaClient, connections: readonly ConnectionConfig[]): Promise<ConnectionSync> {
  const rows = await prisma.connection.findMany();
  const byName = new Map(rows.map((r) => [r.name, r]));
  const problems: string[] = [];
  const adopted: string[] = [];
  const retargeted: Retargeted[] = [];
  for (const c of connections) {
    const row = byName.get(c.name);
    const key = targetKey(c);
    if (!row) continue;
    if (row.kind !== c.kind) problems.push(`connection ${c.name}: was a ${row.kind} connection and is now ${c.kind}; give the new one another name`);
    else if (!row.targetKey) adopted.push(c.name);
    else if (row.targetKey !== key) {
      const links = await prisma.trackerLink.count({ where: { connection: c.name, syncState: { not: 'missing' } } });
      if (links > 0) retargeted.push({ connection: c.name, from: row.targetKey, to: key, links });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  await prisma.$transaction([
    ...connections.map((c) =>
      prisma.connection.upsert({
        where: { name: c.name },
        create: { name: c.name, kind: c.kind, targetKey: targetKey(c), status: 'active' },
        update: { targetKey: targetKey(c), status: 'active' },
      }),
    ),
    prisma.connection.updateMany({ where: { name: { notIn: connections.map((c) => c.name) }, status: 'active' }, data: { status: 'retired' } }),
  ]);
  const retired = rows.filter((r) => r.status === 'active' && !connections.some((c) => c.name === r.name)).map((r) => r.name);
  return { adopted, retired, retargeted };
}
