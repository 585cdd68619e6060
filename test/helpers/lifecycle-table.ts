import type { DefectStatus } from '../../src/domain/lifecycle.ts';

// The full table, written out independently of the implementation: [from, to, allowed].
export const TABLE: [DefectStatus, DefectStatus, boolean][] = [
  ['open', 'in_progress', true],
  ['open', 'resolved', true],
  ['open', 'closed', true],
  ['open', 'reopened', false],
  ['in_progress', 'open', true],
  ['in_progress', 'resolved', true],
  ['in_progress', 'closed', true],
  ['in_progress', 'reopened', false],
  ['resolved', 'closed', true],
  ['resolved', 'reopened', true],
  ['resolved', 'open', false],
  ['resolved', 'in_progress', false],
  ['closed', 'reopened', true],
  ['closed', 'open', false],
  ['closed', 'in_progress', false],
  ['closed', 'resolved', false],
  ['reopened', 'in_progress', true],
  ['reopened', 'resolved', true],
  ['reopened', 'closed', true],
  ['reopened', 'open', false],
];
