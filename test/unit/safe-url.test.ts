// Review #20: connection URLs are logged at start (database, Redis); a password can sit in the query string
// as well as in the userinfo, and neither may reach the log.
import { describe, expect, it } from 'vitest';
import { safeUrl } from '../../src/logger.ts';

describe('safeUrl', () => {
  it.each([
    ['a userinfo password', 'postgresql://app:s3cret@db:5432/x', 'postgresql://app:***@db:5432/x'],
    ['a password parameter', 'postgresql://app@db/x?password=s3cret', 'postgresql://app@db/x?password=***'],
    ['any case', 'postgresql://app@db/x?PassWord=s3cret&sslmode=require', 'postgresql://app@db/x?PassWord=***&sslmode=require'],
    ['sslpassword', 'postgresql://db/x?sslmode=verify-full&sslpassword=k3y-pass', 'postgresql://db/x?sslmode=verify-full&sslpassword=***'],
    ['both at once', 'postgresql://app:one@db/x?password=two', 'postgresql://app:***@db/x?password=***'],
    ['a token', 'redis://cache:6379?token=abc123', 'redis://cache:6379?token=***'],
    ['a secret', 'rediss://cache:6380/0?client_secret=abc', 'rediss://cache:6380/0?client_secret=***'],
    ['a key', 'postgresql://db/x?sslkey=%2Fetc%2Fkey.pem&api_key=zzz', 'postgresql://db/x?sslkey=***&api_key=***'],
    ['pwd', 'postgresql://db/x?PWD=zzz', 'postgresql://db/x?PWD=***'],
    ['an auth parameter', 'redis://cache?auth=zzz', 'redis://cache?auth=***'],
    ['an encoded name', 'postgresql://db/x?pass%77ord=zzz', 'postgresql://db/x?pass%77ord=***'],
    ['a repeated parameter', 'postgresql://db/x?password=a&password=b', 'postgresql://db/x?password=***&password=***'],
    ['a parameter without a value', 'postgresql://db/x?password&sslmode=disable', 'postgresql://db/x?password&sslmode=disable'],
  ])('masks %s', (_what, url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });

  it.each([
    'postgresql://postgres@127.0.0.1:5432/defect_sync',
    'postgresql://db/x?sslmode=require&application_name=defect-sync&connect_timeout=10',
    'redis://127.0.0.1:6379',
  ])('leaves %s as it is', (url) => {
    expect(safeUrl(url)).toBe(url);
  });

  it('never returns an unparseable URL', () => {
    expect(safeUrl('postgresql://app:s3cret@[bad')).toBe('<unparseable url>');
  });
});
