// The configuration check on the dashboard, in a real headless Chromium (Debian's chromium driven by
// playwright-core): Jira's issue type requires a field nobody gives a value, so the Jira card turns red and
// lists that error with its fix before any defect has failed; the other cards list their warnings (no
// webhook secret: polling only) and stay green.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Trackers } from '../../fakes/index.ts';
import type { Service } from '../helpers/service.ts';
import { pageErrors, signIn, startBrowserTest, type BrowserTest } from '../helpers/browser.ts';
import { forgetEarlierSyncState } from './fresh.ts';

const ADMIN = 'admin-token-for-the-check-browser-test';
let bt: BrowserTest;
let t: Trackers;
let svc: Service;
let page: Page;

beforeAll(async () => {
  bt = await startBrowserTest({ env: { ADMIN_TOKEN: ADMIN }, workers: false });
  ({ t, svc, page } = bt);
  await forgetEarlierSyncState(svc.prisma);
  t.jira.requireField('QA', 'Bug', { fieldId: 'customfield_10042', name: 'Team' });
});
afterAll(() => bt?.close());

describe('the dashboard shows each connection\'s configuration check', () => {
  it('lists errors and warnings with their fixes on the cards; an error turns the card red', async () => {
    const browserErrors = pageErrors(page);
    await page.goto(`${svc.url}/admin`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    await signIn(page, ADMIN);

    const jira = page.locator('[data-connection-card="jira"]');
    // The first status starts the checks; a refresh (every 5 s) shows their results.
    await expect.poll(() => jira.getAttribute('data-health'), { timeout: 15_000 }).toBe('red');
    const error = jira.locator('.check li[data-check-level="error"]');
    expect(await error.locator('.what').textContent()).toBe('required fields with no value: customfield_10042 (Team)');
    expect(await error.locator('.fix').textContent()).toMatch(/^ — fix: give each a value in createFields of connection jira/);
    // Shown once, with its fix, not again among the reasons.
    expect(await jira.locator('.reasons').textContent()).not.toContain('customfield_10042');

    const github = page.locator('[data-connection-card="github"]');
    expect(await github.getAttribute('data-health')).toBe('green');
    expect(await github.locator('.check').getAttribute('data-check-level')).toBe('warn');
    expect(await github.locator('.check li[data-check-level="warn"] .what').allTextContents()).toContain(
      'no webhook secret configured: the webhook route is closed and changes made in GitHub arrive by polling only',
    );
    const text = (await page.textContent('#cards')) ?? '';
    for (const secret of [t.github.token, t.jira.apiToken, t.env.ASANA_TOKEN!]) expect(text).not.toContain(secret);
    // The page's first requests, before signing in, are answered 401.
    expect(browserErrors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
