// Who made a change, as the status history records it. Some names belong to the service itself; a client
// must not be able to claim them (X-Actor), or it could forge the history of what the service did.

/** The verification loop: a test result reopened or closed the defect. */
export const VERIFICATION_ACTOR = 'verification';
/** A tracker's own change coming back in (inbound sync): tracker:github, tracker:jira... */
export const TRACKER_ACTOR_PREFIX = 'tracker:';
/** The service's own jobs (reconciler, migrations...): system, system:<job>. */
export const SYSTEM_ACTOR = 'system';
/** A write through the API that named no one. */
export const DEFAULT_API_ACTOR = 'api';

export function trackerActor(tracker: string): string {
  return `${TRACKER_ACTOR_PREFIX}${tracker}`;
}

/** True for names only the service may use, whatever their case or surrounding spaces. */
export function isReservedActor(name: string): boolean {
  const n = name.trim().toLowerCase();
  return n === VERIFICATION_ACTOR || n === SYSTEM_ACTOR || n.startsWith(`${SYSTEM_ACTOR}:`) || n.startsWith(TRACKER_ACTOR_PREFIX);
}
