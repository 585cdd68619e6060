// METRICS_TOKEN and the list of known variables (which the packaging test holds docker-compose.yml to).
import { describe, expect, it } from 'vitest';
import { ConfigError, KNOWN_ENV_VARS, loadConfig } from '../../src/config.ts';

describe('METRICS_TOKEN', () => {
  it('is unset by default: /metrics then answers loopback clients only', () => {
    expect(loadConfig({}).metricsTokens).toEqual([]);
  });

  it('takes comma-separated tokens, so the scraper can rotate them', () => {
    expect(loadConfig({ METRICS_TOKEN: ' scrape-token-0123456789 , next-token-0123456789 ' }).metricsTokens).toEqual([
      'scrape-token-0123456789',
      'next-token-0123456789',
    ]);
  });

  it('refuses a short token, naming the variable', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: each comma-separated token must be at least 16 characters/);
  });
});

describe('KNOWN_ENV_VARS', () => {
  it('lists every variable loadConfig reads, and only those', () => {
    expect(KNOWN_ENV_VARS).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'API_TOKEN', 'METRICS_TOKEN', 'GITHUB_TOKEN', 'ASANA_API_URL']));
    // An unknown variable is simply not read: it changes nothing.
    expect(loadConfig({ NOT_A_SETTING: 'x' })).toEqual(loadConfig({}));
    // Each known one is: a bad value for it is reported under its own name.
    for (const name of KNOWN_ENV_VARS.filter((n) => /_MS$|PORT|_URL$/.test(n))) {
      expect(() => loadConfig({ [name]: 'not valid ~' }), name).toThrow(name);
    }
  });
});
