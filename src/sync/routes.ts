// Routing: which connections a defect's tickets belong in. Pure: the first route whose `when` holds
// decides (an omitted condition holds for any defect; project and severity match any listed value,
// tags any overlap); no route matching means no tickets; no routes at all means every connection.
import type { Severity } from '../domain/severity.ts';
import type { ConnectionName } from './connection-config.ts';
import type { Route } from './sync-config.ts';

export type RoutedDefect = { project: string | null; severity: Severity; tags: readonly string[] };

export function routeDefect(defect: RoutedDefect, routes: readonly Route[] | undefined, all: readonly ConnectionName[]): ConnectionName[] {
  if (!routes) return [...all];
  const route = routes.find((r) => holds(r.when, defect));
  return route ? [...route.to] : [];
}

function holds(when: Route['when'], d: RoutedDefect): boolean {
  if (when.project && !(d.project !== null && when.project.includes(d.project))) return false;
  if (when.severity && !when.severity.includes(d.severity)) return false;
  if (when.tags && !when.tags.some((t) => d.tags.includes(t))) return false;
  return true;
}

/** Names in routes that no connection has, with the path of each: a typo would silently route nowhere. */
export function unknownRouteTargets(routes: readonly Route[] | undefined, known: ReadonlySet<ConnectionName>): string[] {
  return (routes ?? []).flatMap((r, i) =>
    r.to.filter((name) => !known.has(name)).map((name) => `SYNC_CONFIG routes.${i}.to: unknown connection "${name}" (configured: ${[...known].join(', ') || 'none'})`),
  );
}
