// The idempotency marker every created ticket carries, so a retry after a crash can find the ticket
// it already made instead of making a second one. One spelling for all trackers: letters, digits and
// dashes only, so it is also a valid Jira label (no spaces) and survives any body format.
const PREFIX = 'defect-sync-';
const FIND = /defect-sync-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

export function markerFor(defectId: string): string {
  return `${PREFIX}${defectId.toLowerCase()}`;
}

/** The defect id in the first marker found in a text (a body, a label), or null. */
export function findMarker(text: string | null | undefined): string | null {
  const m = text ? FIND.exec(text) : null;
  return m ? m[1]!.toLowerCase() : null;
}
