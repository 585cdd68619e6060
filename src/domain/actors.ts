// Who made a change, as the status history records it. Some names belong to the service itself; a client
// must not be able to claim them (X-Actor), or it could forge the history of what the service did.

/** The verification loop: a test result reopened or closed the defect. */
export const VERIFICATION_ACTOR = 'verification';
/** Failure triage: a run linked by its signature or a matcher, a defect raised by a project's rule. */
export const TRIAGE_ACTOR = 'triage';
/** A tracker's own change coming back in (inbound sync): tracker:github, tracker:jira... */
export const TRACKER_ACTOR_PREFIX = 'tracker:';
/** The service's own jobs (reconciler, migrations...): system, system:<job>. */
export const SYSTEM_ACTOR = 'system';
/** A write through the API that named no one. */
export const DEFAULT_API_ACTOR = 'api';

export function trackerActor(tracker: string): string {
  return `${TRACKER_ACTOR_PREFIX}${tracker}`;
}

/**
 * The form reserved names are compared in: compatibility forms folded (NFKC: fullwidth or bold letters,
 * ligatures), characters that render as nothing removed (format characters such as a zero-width space or a
 * soft hyphen, and the other default-ignorable ones: variation selectors, fillers), spaces trimmed, lower
 * case. Otherwise `verification\u200b` would show in the history as the verification loop.
 * Look-alike letters of other scripts (a Cyrillic "е") are not folded: see README "Known limits".
 */
function comparable(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '')
    .trim()
    .toLowerCase()
    .normalize('NFKC');
}

/** True for names only the service may use, whatever their case, surrounding spaces or invisible characters. */
export function isReservedActor(name: string): boolean {
  const n = comparable(name);
  return n === VERIFICATION_ACTOR || n === TRIAGE_ACTOR || n === SYSTEM_ACTOR || n.startsWith(`${SYSTEM_ACTOR}:`) || n.startsWith(TRACKER_ACTOR_PREFIX);
}
