import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); TESSERA_TEST_CHROMIUM names another binary. */
export const CHROMIUM = process.env.TESSERA_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where each page's screenshot goes (kept by CI as a test artifact). */
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'console');

export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly page: Page;
  /** What the page reported that a test must never see: script errors, CSP violations, failed API calls it did not expect. */
  readonly problems: string[];
  /**
   * Says that the page's next API call answered `status` on a path matching `path` is part of the
   * test (a wrong token, a refused form): it is not a problem, once.
   */
  expectApiFailure(status: number, path: RegExp): void;
  /** The failed API calls said to be expected that have not come; they are forgotten once asked. */
  readonly pendingFailures: () => string[];
  /** Saves a full-page screenshot as test-artifacts/console/{name}.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** One headless Chromium and one page, for a whole test file. */
export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or name another with TESSERA_TEST_CHROMIUM`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  // The console's own calls to the admin API (fetch), not the pages and assets it loads.
  const expected: { status: number; path: RegExp }[] = [];
  const apiCall = (request: Request) =>
    request.resourceType() === 'fetch' || request.resourceType() === 'xhr' ? `${request.method()} ${new URL(request.url()).pathname}` : null;
  page.on('response', (response) => {
    const call = apiCall(response.request());
    if (call === null || response.status() < 400) return;
    const path = new URL(response.url()).pathname;
    const i = expected.findIndex((e) => e.status === response.status() && e.path.test(path));
    if (i >= 0) expected.splice(i, 1);
    else problems.push(`API call failed: ${call} answered ${response.status()}`);
  });
  page.on('requestfailed', (request) => {
    const call = apiCall(request);
    // A call the page itself abandoned (it moved on to another page) is not a failure.
    if (call !== null && request.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`API call failed: ${call}: ${request.failure()?.errorText ?? 'no answer'}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    page,
    problems,
    expectApiFailure: (status, path) => void expected.push({ status, path }),
    pendingFailures: () => expected.splice(0).map((e) => `expected an API call answered ${e.status} on ${e.path}, none came`),
    async screenshot(name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: () => browser.close(),
  };
}

/** Signs in on the console's sign-in page with `token`, and waits for the dashboard. */
export async function signIn(page: Page, adminUrl: string, token: string): Promise<void> {
  await page.goto(`${adminUrl}/console/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/** Follows a link of the main navigation and waits for the page heading. */
export async function go(page: Page, link: string, heading = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
}

/** Fails when the page is wider than the screen (a form or a table that breaks a phone's layout). */
export async function assertFitsWidth(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.locator('html').evaluate((el) => el.scrollWidth);
  assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide on a ${width} px screen`);
}

/** Fails with what the page reported, and with expected failed API calls that never came; then starts afresh. */
export function assertNoProblems(b: ConsoleBrowser): void {
  const found = [...b.problems.splice(0), ...b.pendingFailures()];
  assert.deepEqual(found, []);
}
