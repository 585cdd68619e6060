// Crash injection for recovery tests: DEFECT_SYNC_FAILPOINTS=relay.after-publish makes the process
// kill itself with SIGKILL at that point, exactly like a power cut: no finally blocks, no cleanup.
// Unset (always, in production) it costs one env lookup.
export function failpoint(name: string): void {
  const active = process.env.DEFECT_SYNC_FAILPOINTS;
  if (active && active.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}
