// Per-file test context: a Prisma client on the run's database and an HTTP agent on the real app.
import { randomUUID } from 'node:crypto';
import { inject, afterAll } from 'vitest';
import request from 'supertest';
import { createPrisma } from '../../src/db.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';

export const databaseUrl = inject('databaseUrl');
export const redisUrl = inject('redisUrl');
export const queuePrefix = inject('queuePrefix');

export function testApi() {
  const prisma = createPrisma(databaseUrl);
  const app = createApp({ prisma, log: createLogger('silent') });
  afterAll(() => prisma.$disconnect());
  return { prisma, http: request(app) };
}

/** Names unique to this run, so files never see each other's test cases or milestones. */
export function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * A failure message of this run alone: failures that share a signature (src/domain/signature.ts) are
 * linked to one defect automatically, and numbers, hex and ids are masked in a signature, so the mark
 * is letters (g-z: never read as hex).
 */
export function distinctMessage(message: string): string {
  const mark = [...randomUUID().replace(/-/g, '').slice(0, 10)].map((c) => 'ghijklmnopqrstuvwxyz'[parseInt(c, 16)]).join('');
  const [first, ...rest] = message.split('\n');
  return [`${first} (${mark})`, ...rest].join('\n');
}
