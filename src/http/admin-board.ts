// Bull Board (@bull-board/express) at /admin/queues: the enabled trackers' BullMQ queues, their jobs and
// failures, for people who need to look inside the queues. Mounted behind adminGate like every admin route.
import type { Router } from 'express';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';

export const BOARD_PATH = '/admin/queues';

export function bullBoard(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Defect Sync queues' } },
  });
  return serverAdapter.getRouter() as Router;
}
