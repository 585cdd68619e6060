// Debian's headless Chromium driven by playwright-core, for the admin pages' browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

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
