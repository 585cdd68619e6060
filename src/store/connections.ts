// The Connection rows: what the configuration names, recorded so every keyed row has its connection and a
// name never silently changes meaning. Run at every start, before anything syncs.
import type { PrismaClient } from '../db.ts';
import { ConfigError } from '../config.ts';
import { targetKey, type ConnectionConfig } from '../sync/connections.ts';

export type ConnectionSync = { adopted: string[]; retired: string[]; retargeted: string[] };

/**
 * Upserts each configured connection, under one lock for every process starting at once. A row the
 * migration made (no target yet) adopts its target. Stops the start, naming the connection and the way
 * out, where a link would be synced against the wrong ticket or a defect given a second one:
 *  - a name that now names another kind (its links hold another tracker's ids);
 *  - a name with links that now points at another target: ticket ids such as GitHub issue numbers mean
 *    another ticket there. A renamed repository keeps its numbers; `retarget` (npm run retarget) says so;
 *  - a connection pointing where another one's links are (a rename in the file would give every one of
 *    those defects a second ticket);
 *  - a new connection of a kind whose migrated links were never adopted (the same, for the first start
 *    after the upgrade with a file that renames the environment's connection).
 * Rows no longer configured are retired: links kept, not synced.
 */
export async function recordConnections(prisma: PrismaClient, connections: readonly ConnectionConfig[], opts: { retarget?: readonly string[] } = {}): Promise<ConnectionSync> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('defect-sync/connections', 0))`;
    const rows = await tx.connection.findMany();
    const counted = await tx.$queryRaw<{ connection: string; n: number }[]>`
      SELECT connection, count(*)::int AS n FROM "TrackerLink" WHERE "syncState" <> 'missing' GROUP BY 1`;
    const live = new Map(counted.map((r) => [r.connection, r.n]));
    const links = (name: string) => live.get(name) ?? 0;
    const byName = new Map(rows.map((r) => [r.name, r]));
    const configured = new Set(connections.map((c) => c.name));
    const problems: string[] = [];
    const adopted: string[] = [];
    const retargeted: string[] = [];
    for (const c of connections) {
      const row = byName.get(c.name);
      const key = targetKey(c);
      if (row && row.kind !== c.kind) {
        problems.push(`connection ${c.name}: was a ${row.kind} connection and is now ${c.kind}; give the new one another name`);
        continue;
      }
      if (row && !row.targetKey) adopted.push(c.name);
      if (row?.targetKey && row.targetKey !== key && links(c.name) > 0) {
        if (opts.retarget?.includes(c.name)) retargeted.push(c.name);
        else {
          problems.push(
            `connection ${c.name}: its ${links(c.name)} live links are in ${row.targetKey} and it now points at ${key}, where the same ticket ids name other tickets; ` +
              `if the target was renamed (a repository keeps its issue numbers), confirm with: npm run retarget -- ${c.name}; otherwise give the new target another name`,
          );
        }
      }
      const holder = rows.find((r) => r.name !== c.name && r.kind === c.kind && r.targetKey === key && links(r.name) > 0);
      if (holder) {
        problems.push(
          `connection ${c.name}: points at ${key}, where connection ${holder.name} (${holder.status}) has ${links(holder.name)} live links; ` +
            `name it ${holder.name} to keep them, or its defects would each get a second ticket`,
        );
      }
      const unadopted = !row && rows.find((r) => r.kind === c.kind && !r.targetKey && links(r.name) > 0 && !configured.has(r.name));
      if (unadopted) {
        problems.push(
          `connection ${c.name}: is new, and the ${links(unadopted.name)} live ${c.kind} links of the environment-only set-up (connection ${unadopted.name}) were never adopted; ` +
            `name the connection for their target ${unadopted.name}, or configure ${unadopted.name} as well`,
        );
      }
    }
    if (problems.length) throw new ConfigError(problems);
    for (const c of connections) {
      await tx.connection.upsert({
        where: { name: c.name },
        create: { name: c.name, kind: c.kind, targetKey: targetKey(c), status: 'active' },
        update: { targetKey: targetKey(c), status: 'active' },
      });
    }
    await tx.connection.updateMany({ where: { name: { notIn: [...configured] }, status: 'active' }, data: { status: 'retired' } });
    const retired = rows.filter((r) => r.status === 'active' && !configured.has(r.name)).map((r) => r.name);
    return { adopted, retired, retargeted };
  });
}
