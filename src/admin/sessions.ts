// Dashboard sessions: signing in with the admin token gives the browser an opaque random id in an
// HttpOnly cookie; the id is kept server-side in Redis (shared by every API process) with an expiry, so
// signing out ends the session for good, even for a copy of the cookie. The stored key is an HMAC of
// the id keyed by ADMIN_TOKEN: Redis never holds a usable cookie, and rotating the token ends every session.
import { createHmac, randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.ts';

export const SESSION_COOKIE = 'ds_admin';
export const SESSION_TTL_SECONDS = 8 * 3600;

export class AdminSessions {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(redis: RedisClient, queuePrefix: string) {
    this.redis = redis;
    this.prefix = `${queuePrefix}:admin:session`;
  }

  private key(adminToken: string, id: string): string {
    return `${this.prefix}:${createHmac('sha256', adminToken).update(id).digest('hex')}`;
  }

  async create(adminToken: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.redis.set(this.key(adminToken, id), '1', 'EX', SESSION_TTL_SECONDS);
    return id;
  }

  async valid(adminToken: string, id: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
    return (await this.redis.exists(this.key(adminToken, id))) === 1;
  }

  async end(adminToken: string, id: string): Promise<void> {
    await this.redis.del(this.key(adminToken, id));
  }
}
