import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/defect_sync',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      queuePrefix: 'defect-sync',
      logLevel: 'info',
      adminToken: undefined,
    });
  });

  it('reports every problem, one line each, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'localhost', QUEUE_PREFIX: 'a:b', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'REDIS_URL', 'QUEUE_PREFIX', 'LOG_LEVEL', 'ADMIN_TOKEN']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });
});
