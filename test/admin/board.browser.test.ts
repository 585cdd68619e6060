// Bull Board in a real headless Chromium (security F8): signed in through the dashboard, its pages render
// under a Content-Security-Policy like the dashboard's, and the admin's browser is never sent to another
// host (Bull Board's template loads its fonts from fonts.googleapis.com).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTrackers, type Trackers } from '../../fakes/index.ts';
import { startService } from '../helpers/service.ts';

const ADMIN = 'admin-token-for-the-board-browser-test';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let t: Trackers;
let svc: Awaited<ReturnType<typeof startService>>;
let browser: BrowserContext;
let page: Page;
const profile = mkdtempSync(join(tmpdir(), 'defect-sync-chromium-'));

beforeAll(async () => {
  t = await startTrackers();
  svc = await startService({ env: { ...t.env, ADMIN_TOKEN: ADMIN }, listen: true, workers: false });
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 1000 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await t?.stop();
  rmSync(profile, { recursive: true, force: true });
});

describe('Bull Board in Chromium', () => {
  it('renders its pages under a CSP and sends no request to any other host', async () => {
    const own = new URL(svc.url!).host;
    const outside: string[] = [];
    // Every request the page makes is seen here; one for another host is recorded and never leaves the machine.
    await browser.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.host === own) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    // A job whose data the job page shows in its code viewer (a hostile-looking value, shown as text).
    const job = await svc.admin.queues.get('github')!.add('sync', { outboxId: '<img src=x onerror=alert(1)>', defectId: 'd-1', kind: 'defect.updated', version: 1, fields: ['title'] }, { delay: 3_600_000 });

    await page.goto(`${svc.url}/admin`);
    await page.fill('#token', ADMIN);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    const board = await page.goto(`${svc.url}/admin/queues`);
    expect(board!.status()).toBe(200);
    // The overview lists the three tracker queues once the app has run (script, its API calls, styles).
    for (const name of ['sync-github', 'sync-jira', 'sync-asana']) {
      await page.getByText(name, { exact: false }).first().waitFor({ state: 'visible', timeout: 15_000 });
    }
    // Its own stylesheet applied (the dark header comes from static/css, not from inline styles).
    expect(await page.evaluate('document.styleSheets.length')).toBeGreaterThan(0);
    expect(outside).toEqual([]);
    const csp = board!.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/https?:|unsafe-eval/);

    // A queue's page and the job's page.
    await page.goto(`${svc.url}/admin/queues/queue/sync-github?status=delayed`);
    await page.getByText('sync-github', { exact: false }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.goto(`${svc.url}/admin/queues/queue/sync-github/${job.id}`);
    await page.getByText('onerror', { exact: false }).first().waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('img[src=x]').count()).toBe(0);

    expect(outside).toEqual([]);
    // The dashboard's calls before signing in answer 401; nothing else may complain (no CSP refusal either).
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });
});
