// A headless Chromium for the explorer's browser tests: Debian's package (/usr/bin/chromium, or
// STRATA_CHROMIUM), driven by playwright-core, which downloads nothing. Where there is no Chromium the
// browser tests are skipped with a note, unless STRATA_REQUIRE_BROWSER=1 (CI, which installs it) makes
// that a failure.
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.STRATA_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a sandboxed machine without a network: no first-run, no background calls home. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether the browser tests can run here; throws where they must (STRATA_REQUIRE_BROWSER=1) and cannot. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.STRATA_REQUIRE_BROWSER === "1") {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium)`);
  }
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A page 1280 px wide, failing the test on any error the application throws. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => errors.push(error.message));
  return page;
}
