// Bull Board in a real headless Chromium (security F8): signed in through the dashboard, its pages render
// under a Content-Security-Policy like the dashboard's, and the admin's browser is never sent to another
// host (Bull Board's template loads its fonts from fonts.googleapis.com).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Service } from '../helpers/service.ts';
import { pageErrors, signIn, startBrowserTest, type BrowserTest } from '../helpers/browser.ts';

const ADMIN = 'admin-token-for-the-board-browser-test';
let bt: BrowserTest;
let svc: Service;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  bt = await startBrowserTest({ env: { ADMIN_TOKEN: ADMIN }, workers: false });
  ({ svc, browser, page } = bt);
});
afterAll(() => bt?.close());

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
    const problems = pageErrors(page);
    // A job whose data the job page shows in its code viewer (a hostile-looking value, shown as text).
    const job = await svc.admin.queues.get('github')!.add('sync', { outboxId: '<img src=x onerror=alert(1)>', defectId: 'd-1', kind: 'defect.updated', version: 1, fields: ['title'] }, { delay: 3_600_000 });

    await page.goto(`${svc.url}/admin`);
    await signIn(page, ADMIN);

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
