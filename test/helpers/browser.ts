// Debian's headless Chromium driven by playwright-core, for the admin pages' browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startWithTrackers, type Tracked, type TrackedOptions } from './tracked-service.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium on a fresh profile (removed by close()), with its first page. */
export async function launchChromium(): Promise<{ browser: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'defect-sync-chromium-'));
  // Flags that keep Chromium from reaching for hosts this machine cannot reach; playwright passes the
  // profile as --user-data-dir.
  const browser = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 1000 },
    })
    .catch((err: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw err;
    });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, page, close };
}

/** Signs in on the dashboard's form (the page shows it) and waits for the dashboard. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#dashboard').waitFor({ state: 'visible' });
}

export type BrowserTest = Tracked & { browser: BrowserContext; page: Page; close: () => Promise<void> };

/** The fakes, the service (listening, for the browser) and Chromium for one browser test file; close() stops them, the browser first. */
export async function startBrowserTest(opts: TrackedOptions): Promise<BrowserTest> {
  const tracked = await startWithTrackers({ listen: true, ...opts });
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  try {
    browser = await launchChromium();
  } catch (err) {
    await tracked.stop();
    throw err;
  }
  return {
    ...tracked,
    browser: browser.browser,
    page: browser.page,
    close: async () => {
      await browser.close();
      await tracked.stop();
    },
  };
}

/** The page's script errors and console errors, as they come. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  return errors;
}
