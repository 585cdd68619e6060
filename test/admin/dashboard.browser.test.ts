// The dashboard in a real headless Chromium (Debian's chromium driven by playwright-core): sign in, see
// the three trackers, a tracker refusing a write shows as a failed link, Retry after healing the fake
// syncs it, sign out ends the session for good. DASHBOARD_SCREENSHOT=<path> saves a screenshot (for the README).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { pageErrors, signIn, startBrowserTest, type BrowserTest } from '../helpers/browser.ts';
import { forgetEarlierSyncState } from './fresh.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';
import { patchDefect } from '../helpers/fixtures.ts';
import { unique } from '../helpers/context.ts';

const ADMIN = 'admin-token-for-the-browser-test';
let bt: BrowserTest;
let t: Trackers;
let svc: Service;
let page: Page;

beforeAll(async () => {
  bt = await startBrowserTest({ env: { ADMIN_TOKEN: ADMIN }, debounceMs: 200 });
  ({ t, svc, page } = bt);
  await forgetEarlierSyncState(svc.prisma);
});
afterAll(() => bt?.close());

describe('the dashboard in Chromium', () => {
  it('signs in, shows a refused write as a failed link, retries it into sync, and signs out', async () => {
    // A defect in step with all three trackers.
    const created = await svc.http.post('/api/defects').send({ title: 'Coupon field rejects lowercase codes', assignee: ANA.email, severity: 'high' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const links = await settledLinks(svc.http, key, 0);

    const browserErrors = pageErrors(page);

    await page.goto(`${svc.url}/admin`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('#signin-form button[type=submit]');
    await expect.poll(() => page.textContent('#signin-error')).toMatch(/not valid/);

    await signIn(page, ADMIN);
    for (const tracker of ['github', 'jira', 'asana']) {
      await expect.poll(() => page.getAttribute(`[data-connection-card="${tracker}"]`, 'data-health')).toBe('green');
    }
    // A backfill shows as a line on its connection's card (one matching nothing finishes at once).
    const backfill = await svc.http.post('/admin/connections/asana/backfill').set('authorization', `Bearer ${ADMIN}`).send({ project: [unique('nothing')] });
    expect(backfill.status).toBe(202);
    await expect.poll(() => page.getAttribute('[data-connection-card="asana"] [data-backfill]', 'data-backfill'), { timeout: 10_000 }).toBe('finished');
    expect(await page.textContent('[data-connection-card="asana"] [data-backfill]')).toMatch(/^finished .+: 0 of 0 done · 0 failed$/);
    // An open triage incident (a storm launch whose defects are held back) is listed with its counts.
    const incident = await svc.prisma.triageIncident.create({
      data: { project: unique('web'), launch: unique('nightly'), reason: 'ratio', runs: 300, failed: 290, newSignatures: 4, topSignatures: [{ signature: '0123456789abcdef', text: 'Error: connect ECONNREFUSED <ip>:<port>', count: 290 }] },
    });
    const incidentRow = page.locator(`#incidents tr[data-incident="${incident.id}"]`);
    await incidentRow.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await incidentRow.textContent()).toContain('too many runs failed');
    expect(await incidentRow.textContent()).toContain('290× Error: connect ECONNREFUSED <ip>:<port>');
    await svc.prisma.triageIncident.update({ where: { id: incident.id }, data: { status: 'released' } });
    await incidentRow.waitFor({ state: 'detached', timeout: 15_000 });
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'ds_admin')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly: no script can read it

    // GitHub refuses the next edit; the dashboard shows the failed link and a red GitHub card.
    t.github.tracker.fail({ status: 401, route: 'ticket.update', times: 1000 });
    await patchDefect(svc.http, key, { title: 'Coupon field rejects lowercase and mixed-case codes' });
    const row = page.locator(`#trouble tr[data-link="${key}/github"]`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await row.getAttribute('data-state')).toBe('failed');
    expect(await row.locator('td.err').textContent()).toMatch(/401|credentials/i);
    await expect.poll(() => page.getAttribute('[data-connection-card="github"]', 'data-health')).toBe('red');
    await expect.poll(() => page.locator('#activity tr[data-outcome="failed"]').count()).toBeGreaterThan(0);
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });

    // The fake is healed; Retry brings the ticket into step.
    t.github.tracker.clearFaults();
    await row.locator('button', { hasText: 'Retry' }).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await until('github synced', async () => (await linksOf(svc.http, key)).find((l) => l.tracker === 'github')?.syncState === 'synced');
    expect(t.github.issue(Number(remoteIdOf(links, 'github'))).title).toBe('Coupon field rejects lowercase and mixed-case codes');
    await expect.poll(() => page.getAttribute('[data-connection-card="github"]', 'data-health'), { timeout: 10_000 }).toBe('green');

    // Sign out: the page shows the form again and the old cookie opens nothing any more.
    const session = (await page.context().cookies()).find((c) => c.name === 'ds_admin')!.value;
    await page.click('#signout');
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect((await page.context().cookies()).find((c) => c.name === 'ds_admin')).toBeUndefined();
    const replay = await fetch(`${svc.url}/admin/sync-status`, { headers: { cookie: `ds_admin=${session}` } });
    expect(replay.status).toBe(401);
    expect(browserErrors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
