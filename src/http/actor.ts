import type { Request } from 'express';

/**
 * Who made a change, for the status history: the X-Actor header (e.g. "user:alice"), else "api".
 * Trimmed and bounded so the header cannot flood the history table.
 */
export function actorOf(req: Request): string {
  const raw = req.get('x-actor')?.trim();
  return raw ? raw.slice(0, 200) : 'api';
}
