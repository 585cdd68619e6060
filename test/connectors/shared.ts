// Shared by the connectors' tests.
import type { OutboundTicket, TicketFields } from '../../connectors/contract.ts';
import { TrackerError } from '../../connectors/errors.ts';

export const DEFECT_ID = '0b9f3c2e-8a1d-4c5e-9f00-1234567890ab';

/** A ticket as the engine hands it to a connector, with one failing run in its context. */
export function ticket(fields: Partial<TicketFields> = {}, defectId = DEFECT_ID): OutboundTicket {
  return {
    fields: { title: 'Login fails on Safari', description: 'Steps:\n1. open\n2. log in', severity: 'high', status: 'open', assignee: null, milestone: null, tags: [], ...fields },
    context: {
      defectId,
      defectKey: 'DEF-7',
      defectUrl: 'https://defects.example/defects/DEF-7',
      failingRuns: [{ testCase: 'login.spec > safari', launch: 'nightly-12', message: 'expected 200, got 500', ranAt: '2026-11-20T03:00:00.000Z' }],
    },
  };
}

/** The TrackerError a promise rejects with (fails the test when it resolves or throws something else). */
export async function trackerError(promise: Promise<unknown>): Promise<TrackerError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TrackerError) return err;
    throw new Error(`expected a TrackerError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a TrackerError, but the call succeeded');
}
