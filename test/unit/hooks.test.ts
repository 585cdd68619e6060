// Outgoing webhooks, the pure parts: which addresses a hook may reach, what an answer means, when the next
// attempt is, and the Standard Webhooks signature (the spec's own test vector, and the reference library).
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { isPublicAddress } from '../../src/hooks/addresses.ts';
import { outcomeOf, retryDelayMs } from '../../src/hooks/policy.ts';
import { newHookSecret, signatureHeader } from '../../src/hooks/signing.ts';

describe('hook addresses', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700::1111', true],
    ['127.0.0.1', false],
    ['::1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false], // cloud metadata (link-local)
    ['fd00:ec2::254', false], // AWS metadata over IPv6 (unique local)
    ['fe80::1', false],
    ['100.64.0.1', false], // carrier-grade NAT
    ['0.0.0.0', false],
    ['::ffff:127.0.0.1', false], // IPv4-mapped loopback
    ['::ffff:8.8.8.8', true],
    ['224.0.0.1', false],
    ['192.0.2.1', false], // documentation range (reserved)
    ['not an address', false],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('hook answers', () => {
  it.each([
    [{ status: 200, excerpt: '' }, 'delivered'],
    [{ status: 204, excerpt: '' }, 'delivered'],
    [{ status: 500, excerpt: '' }, 'retry'],
    [{ status: 503, excerpt: '' }, 'retry'],
    [{ status: 429, excerpt: '' }, 'retry'],
    [{ status: 400, excerpt: '' }, 'give-up'],
    [{ status: 404, excerpt: '' }, 'give-up'],
    [{ status: 301, excerpt: '' }, 'give-up'], // redirects are not followed
    [{ error: 'timeout', excerpt: '' }, 'retry'],
    [{ error: 'network', excerpt: '' }, 'retry'],
    [{ error: 'refused', excerpt: '' }, 'give-up'],
  ] as const)('%o → %s', (result, outcome) => {
    expect(outcomeOf(result)).toBe(outcome);
  });

  it('backs off from the base, the first retry within 30 s by default, then hourly', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryDelayMs(n, 5000))).toEqual([5000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000]);
  });
});

describe('Standard Webhooks signatures', () => {
  it('match the specification\'s test vector', () => {
    const header = signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verify with the reference library, by either secret during a rotation', () => {
    const [oldSecret, newSecret] = [newHookSecret(), newHookSecret()];
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'defect.created', timestamp: new Date().toISOString(), data: { key: 'DEF-1' } });
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': signatureHeader([newSecret, oldSecret], 'msg_1', now, body) };
    expect(new Webhook(newSecret).verify(body, headers)).toMatchObject({ type: 'defect.created' });
    expect(new Webhook(oldSecret).verify(body, headers)).toMatchObject({ type: 'defect.created' });
    expect(() => new Webhook(newHookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(newSecret).verify(body.replace('DEF-1', 'DEF-2'), headers)).toThrow();
  });
});
