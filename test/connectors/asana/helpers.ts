// Shared builders for the Asana connector tests.
import type { OutboundTicket, TicketFields } from '../../../connectors/contract.ts';

export const DEFECT_ID = '0b9f3c2e-8a1d-4c5e-9f00-1234567890ab';

export function ticket(fields: Partial<TicketFields> = {}, defectId = DEFECT_ID): OutboundTicket {
  return {
    fields: { title: 'Login fails on Safari', description: 'Steps:\n1. open\n2. log in', severity: 'high', status: 'open', assignee: null, ...fields },
    context: {
      defectId,
      defectKey: 'DEF-7',
      defectUrl: 'https://defects.example/defects/DEF-7',
      failingRuns: [{ testCase: 'login.spec > safari', launch: 'nightly-12', message: 'expected 200, got 500', ranAt: '2026-11-20T03:00:00.000Z' }],
    },
  };
}

export { trackerError } from '../tracker-error.ts';
