// Reading a defect's tracker links over the API, and waiting for them to settle: shared by the sync tests.
import { expect } from 'vitest';
import type request from 'supertest';
import { until } from './service.ts';

type Http = ReturnType<typeof request>;

export type Link = {
  tracker: string;
  remoteId: string | null;
  key: string | null;
  url: string | null;
  syncState: string;
  lastError: string | null;
  lastSyncedAt: string | null;
  warnings?: string[];
};

export async function linksOf(http: Http, ref: string): Promise<Link[]> {
  const res = await http.get(`/api/defects/${ref}/links`);
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Waits until every tracker's link (three) is in `state` (synced: synced at or after `since`, ms). */
export async function settledLinks(http: Http, ref: string, since: number, state = 'synced', count = 3): Promise<Link[]> {
  return until(`${ref} ${state} in all trackers`, async () => {
    const all = await linksOf(http, ref);
    return all.length === count && all.every((l) => l.syncState === state && (state !== 'synced' || Date.parse(l.lastSyncedAt!) >= since)) && all;
  });
}

export const remoteIdOf = (links: Link[], tracker: string): string => links.find((x) => x.tracker === tracker)!.remoteId!;
