// Failure signatures (src/domain/signature.ts), table by table: real-looking Playwright, Jest, JUnit and
// pytest failures. Runs that differ only in numbers, ids, times, paths and quoted values share a signature;
// different errors (another message, another place in the code) do not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signatureOf } from '../../src/domain/signature.ts';

const sig = (message: string, stack?: string) => signatureOf(message, stack)!.id;
const text = (message: string, stack?: string) => signatureOf(message, stack)!.text;

const PLAYWRIGHT = (ms: number, selector: string, dir: string, line: number) =>
  `\u001b[31mTimeoutError: page.click: Timeout ${ms}ms exceeded.\u001b[39m
Call log:
  - waiting for locator('${selector}')

    at CheckoutPage.pay (${dir}/tests/pages/checkout.ts:${line}:16)
    at ${dir}/tests/checkout.spec.ts:${line + 9}:5`;

const JEST = (expected: number, received: number, dir: string) => `expect(received).toBe(expected) // Object.is equality

Expected: ${expected}
Received: ${received}
    at Object.<anonymous> (${dir}/src/cart/cart.test.js:${expected + 10}:23)
    at Promise.then.completed (${dir}/node_modules/jest-circus/build/utils.js:298:28)
    at new Promise (<anonymous>)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)`;

const JUNIT = (expected: number, got: number, lambda: string) => `org.opentest4j.AssertionFailedError: expected: <${expected}> but was: <${got}>
\tat org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)
\tat org.junit.jupiter.api.AssertEquals.assertEquals(AssertEquals.java:150)
\tat com.acme.cart.CartServiceTest.addsItem(CartServiceTest.java:${expected + 30})
\tat com.acme.cart.CartServiceTest$$Lambda$${lambda}.run(Unknown Source)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)`;

const PYTEST = (status: number, tmp: string) => `def test_login(client, tmp_path):
        resp = client.post("/login", json={"user": "u-${status}"}, timeout=30)
>       assert resp.status_code == 200
E       assert ${status} == 200
E        +  where ${status} = <Response [${status}]>.status_code

${tmp}/test_login.py:14: AssertionError`;

describe('signatureOf: the same failure twice', () => {
  it.each([
    ['Playwright: timeout, selector, workspace path and line differ', PLAYWRIGHT(30000, '#pay', '/home/runner/work/shop/shop', 12), PLAYWRIGHT(5000, '#pay-now', '/Users/ana/src/shop', 40)],
    ['Jest: values and paths differ', JEST(2, 3, '/builds/acme/shop'), JEST(5, 8, '/home/ci/shop')],
    ['JUnit: values, line and lambda id differ', JUNIT(200, 500, '0x0000000800c0b440'), JUNIT(201, 404, '0x00000008012a7c10')],
    ['pytest: status code and temp path differ', PYTEST(500, '/tmp/pytest-of-runner/pytest-12/test_login0'), PYTEST(503, '/tmp/pytest-of-ana/pytest-3/test_login1')],
    ['UUIDs', 'Order 9f0c2a1e-4b7d-4c2a-9e51-3a1f8b2c7d10 not found', 'Order 0b6f3e2d-1a4c-4f8e-8d2b-7c9e1f0a2b3c not found'],
    ['ISO timestamps and clock times', 'Token expired at 2026-12-01T03:04:05.123Z (now 03:04:09)', 'Token expired at 2026-12-02T23:59:59+01:00 (now 00:00:01.5)'],
    ['durations in several units', 'Request took 1.5s, budget 500 ms', 'Request took 12s, budget 250 ms'],
    ['IP addresses and ports', 'connect ECONNREFUSED 10.0.3.7:5432', 'connect ECONNREFUSED 10.0.9.12:6432'],
    ['localhost ports and URLs', 'GET http://localhost:53211/api/cart failed: 502', 'GET http://localhost:61002/api/cart failed: 503'],
    ['hex ids and commit SHAs', 'object 5f3a9c0e7b21d4a8 missing at commit 3e1d9f2', 'object 0a1b2c3d4e5f6a7b missing at commit a9c4e01'],
    ['quoted values, any quote', `Element "Pay 12 EUR" not visible in 'cart-7' (\`step 3\`)`, `Element "Pay 99 EUR" not visible in 'cart-12' (\`step 9\`)`],
    ['Windows and macOS temp paths', String.raw`cannot open C:\Users\ci\AppData\Local\Temp\run-81\out.json`, String.raw`cannot open C:\Users\ana\AppData\Local\Temp\run-3\out.json`],
    ['generated numbers inside words', 'user order1234 rejected', 'user order98765 rejected'],
  ])('%s', (_label, a, b) => {
    expect(sig(a)).toBe(sig(b));
    expect(text(a)).toBe(text(b));
  });

  it('reads the frames from a stack sent apart as from the message', () => {
    const stack = '    at ApiClient.get (/srv/app/src/api-client.ts:41:11)\n    at Cart.load (/srv/app/src/cart.ts:9:3)';
    expect(sig('Error: socket hang up', stack)).toBe(sig(`Error: socket hang up\n${stack.replace('/srv/app', '/home/ci/app')}`));
  });
});

describe('signatureOf: different failures', () => {
  it.each([
    ['another Playwright action', PLAYWRIGHT(30000, '#pay', '/w', 12), PLAYWRIGHT(30000, '#pay', '/w', 12).replace('page.click', 'page.fill')],
    ['the same message thrown from another function', 'Error: socket hang up\n    at ApiClient.get (/srv/a.ts:1:1)', 'Error: socket hang up\n    at ApiClient.post (/srv/a.ts:1:1)'],
    ['the same message from another file', 'Error: boom\n    at run (/srv/cart.ts:1:1)', 'Error: boom\n    at run (/srv/checkout.ts:1:1)'],
    ['another exception class', JUNIT(200, 500, '0x1'), JUNIT(200, 500, '0x1').replace('org.opentest4j.AssertionFailedError', 'java.lang.NullPointerException')],
    ['another test method (JUnit)', JUNIT(200, 500, '0x1'), JUNIT(200, 500, '0x1').replace('addsItem', 'removesItem')],
    ['another assertion (pytest)', PYTEST(500, '/tmp/x'), PYTEST(500, '/tmp/x').replace('E       assert 500 == 200', 'E       KeyError: token')],
    ['another error word', 'connect ECONNREFUSED 10.0.0.1:5432', 'connect ETIMEDOUT 10.0.0.1:5432'],
    ['another matcher (Jest)', JEST(2, 3, '/w'), JEST(2, 3, '/w').replace('toBe(expected)', 'toEqual(expected)')],
  ])('%s', (_label, a, b) => {
    expect(sig(a)).not.toBe(sig(b));
  });
});

describe('what a signature is made of', () => {
  it.each([
    ['Playwright', PLAYWRIGHT(30000, '#pay', '/home/runner/work/shop/shop', 12), 'TimeoutError: page.click: Timeout <dur> exceeded.\nat CheckoutPage.pay (checkout.ts:<n>:<n>)\nat (checkout.spec.ts:<n>:<n>)'],
    ['Jest (framework and runtime frames skipped)', JEST(2, 3, '/b'), 'expect(received).toBe(expected) // Object.is equality\nat Object.<anonymous> (cart.test.js:<n>:<n>)'],
    ['JUnit (JUnit and JDK frames skipped)', JUNIT(200, 500, '0x1'), 'org.opentest4j.AssertionFailedError: expected: <<n>> but was: <<n>>\nat com.acme.cart.CartServiceTest.addsItem (CartServiceTest.java:<n>)\nat com.acme.cart.CartServiceTest$$Lambda$<hex>.run (Unknown Source)'],
    ['pytest (the E line says what failed)', PYTEST(500, '/tmp/x'), 'assert <n> == <n>\nat AssertionError (test_login.py:<n>)'],
    ['Python traceback', 'Traceback (most recent call last):\n  File "/app/tests/test_api.py", line 12, in test_get\n    r = api.get(1)\n  File "/app/src/api.py", line 40, in get\n    raise KeyError(k)', 'Traceback (most recent call last):\nat test_get (test_api.py:<n>)\nat get (api.py:<n>)'],
    ['at most three frames', 'E\n at a (/x/a.ts:1:1)\n at b (/x/b.ts:1:1)\n at c (/x/c.ts:1:1)\n at d (/x/d.ts:1:1)', 'E\nat a (a.ts:<n>:<n>)\nat b (b.ts:<n>:<n>)\nat c (c.ts:<n>:<n>)'],
    ["an apostrophe inside a word opens no quote", "Can't find 'x' in list", "Can't find <str> in list"],
  ])('%s', (_label, message, expected) => {
    expect(text(message)).toBe(expected);
  });

  it('is a 16-digit hex id, stable across calls', () => {
    const s = signatureOf('Error: boom')!;
    expect(s.id).toMatch(/^[0-9a-f]{16}$/);
    expect(signatureOf('Error: boom')!.id).toBe(s.id);
  });

  it.each([[null], [undefined], [''], ['   \n  \n']])('is null for a failure that says nothing (%j)', (message) => {
    expect(signatureOf(message)).toBeNull();
  });

  it('costs little for hostile input (64 KB lines built to make the patterns backtrack)', () => {
    const hostile = [
      `at ${' ('.repeat(32_000)}`,
      `Error: ${"'a".repeat(32_000)}`,
      `${'1'.repeat(65_000)}x`,
      `x\n${`at ${'a'.repeat(10)} (`.repeat(4000)}\n`.repeat(16),
      `E  ${'0a'.repeat(32_000)}`,
    ];
    for (const message of hostile) {
      const t = performance.now();
      signatureOf(message);
      expect(performance.now() - t).toBeLessThan(200);
    }
  });

  it('cuts a very long first line', () => {
    expect(text(`Error: ${'x'.repeat(10_000)}`).length).toBeLessThanOrEqual(300);
  });
});

describe('properties', () => {
  const word = fc.stringMatching(/^[A-Za-z]{3,12}$/).filter((w) => !/^[0-9a-f]+$/i.test(w));
  const template = fc.array(word, { minLength: 1, maxLength: 6 });
  // The kinds of value that change from run to run; each slot of a message gets two values of one kind.
  const KINDS = [
    fc.nat().map(String),
    fc.uuid(),
    fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.nat({ max: 100_000 }).map((n) => `${n}ms`),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 #.-'), maxLength: 20 }).map((s) => `'${s}'`),
    fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.integer({ min: 10, max: 65535 })).map(([a, b, p]) => `10.0.${a}.${b}:${p}`),
    fc.nat().map((n) => `0x${n.toString(16)}`),
  ];
  const pair = fc.nat({ max: KINDS.length - 1 }).chain((k) => fc.tuple(KINDS[k]!, KINDS[k]!));

  it('messages that differ only in volatile values share a signature', () => {
    fc.assert(
      fc.property(template, fc.array(pair, { minLength: 6, maxLength: 6 }), (words, pairs) => {
        // Each volatile value is a token of its own, after a word: `Error <v1> happened <v2>`.
        const build = (side: 0 | 1) => words.map((w, i) => `${w} ${pairs[i]![side]}`).join(' ');
        expect(signatureOf(build(0))!.id).toBe(signatureOf(build(1))!.id);
      }),
    );
  });

  it('messages whose words differ have different signatures', () => {
    fc.assert(
      fc.property(template, template, (a, b) => {
        fc.pre(a.join(' ') !== b.join(' '));
        expect(signatureOf(a.join(' '))!.id).not.toBe(signatureOf(b.join(' '))!.id);
      }),
    );
  });

  it.each(['0""', "9''", '1``x', 'run 5"a" then 7\'b\''])('masks %s to a text that masks to itself (a mask freeing another: CI found 0"")', (s) => {
    const once = signatureOf(s)!.text.split('\n', 1)[0]!;
    expect(signatureOf(once)!.text.split('\n', 1)[0]).toBe(once);
  });

  it('never throws and is idempotent on its own text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const once = signatureOf(s);
        if (once) expect(signatureOf(once.text.split('\n', 1)[0]!)!.text.split('\n', 1)[0]).toBe(once.text.split('\n', 1)[0]);
      }),
    );
  });
});
