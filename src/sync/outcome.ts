// What one sync job did to a ticket: the engine's answer and the metrics' label (its own file, so the
// metrics need not import the engine that records into them).
export type SyncOutcome = 'created' | 'adopted' | 'updated' | 'unchanged' | 'skipped';
