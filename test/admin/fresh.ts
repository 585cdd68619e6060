// The admin figures cover the whole database, which the test files share (one at a time). Links,
// conflicts, activity and poll cursors left by earlier files (marked missing by startService, or failed
// on purpose) would colour this file's health cards; its beforeAll forgets them. Defects stay.
import type { PrismaClient } from '../../src/db.ts';

export async function forgetEarlierSyncState(prisma: PrismaClient): Promise<void> {
  await prisma.$transaction([
    prisma.trackerLink.deleteMany(),
    prisma.syncConflict.deleteMany(),
    prisma.syncActivity.deleteMany(),
    prisma.pollCursor.deleteMany(),
  ]);
}
