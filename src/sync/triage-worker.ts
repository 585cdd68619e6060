// The worker role's triage pass: every so often, judge the launches that went quiet (raise their defects,
// or hold them in a storm incident) and finish raising what a crash left approved. Every worker process
// runs it; the launch and signature locks make two passes at once harmless.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { TriageConfig } from '../domain/triage.ts';
import { triagePass } from '../store/triage-decide.ts';

/** Often enough that a launch is judged soon after its settleMs, at most every 5 s. */
export function triagePassMs(triage: TriageConfig): number {
  const settle = Math.min(...Object.values(triage.projects).map((p) => p.settleMs));
  return Math.max(50, Math.min(5000, Math.floor(settle / 2)));
}

export function startTriage(deps: { prisma: PrismaClient; triage: TriageConfig; log: Logger }): () => Promise<void> {
  if (Object.keys(deps.triage.projects).length === 0) return async () => undefined;
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= triagePass(deps.prisma, deps.triage)
      .then((judged) => {
        for (const j of judged) {
          if (j.incident) deps.log.warn({ incident: j.incident }, 'failure triage: a launch is a storm; its defects are held in an incident');
          if (j.raised.length) deps.log.info({ defects: j.raised }, 'failure triage raised defects');
        }
      })
      .catch((err: unknown) => deps.log.warn({ err }, 'failure triage pass failed; the next pass retries'))
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void pass(), triagePassMs(deps.triage));
  return async () => {
    clearInterval(timer);
    await running;
  };
}
