import type { Request } from 'express';
import { AppError } from '../errors.ts';
import { DEFAULT_API_ACTOR, isReservedActor } from '../domain/actors.ts';

const MAX_ACTOR = 200;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (message: string) =>
  new AppError('validation_failed', `X-Actor: ${message}`, { fields: [{ field: 'X-Actor', message }] });

/**
 * Who made a change, for the status history: the X-Actor header (e.g. "user:alice"), else "api".
 * Node hands header values over as latin1, one char per byte; clients send UTF-8, so the bytes are decoded
 * as UTF-8 (invalid UTF-8 is refused rather than stored garbled). Control characters, names over 200
 * characters and the service's own names (verification, tracker:…, system…) are a 400.
 */
export function actorOf(req: Request): string {
  const raw = req.get('x-actor');
  if (raw === undefined || raw.trim() === '') return DEFAULT_API_ACTOR;
  let name: string;
  try {
    name = utf8.decode(Buffer.from(raw, 'latin1')).trim();
  } catch {
    throw refuse('must be UTF-8 text');
  }
  if (/\p{Cc}/u.test(name)) throw refuse('must not contain control characters');
  if (name.length > MAX_ACTOR) throw refuse(`must be at most ${MAX_ACTOR} characters`);
  if (isReservedActor(name)) throw refuse(`"${name}" is reserved for the service's own changes`);
  return name;
}
