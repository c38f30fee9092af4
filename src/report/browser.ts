import { execa } from 'execa';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { firstAvailable } from '../infra/binaries.js';

const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

// Headless, offline, no first-run or background traffic (this machine's network is closed).
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--virtual-time-budget=5000',
];

/** Pages are laid out at this width both when measured and when shot, so the height holds. */
const SCREENSHOT_WIDTH = 1000;

export function findChromium(): string | undefined {
  return firstAvailable(CHROMIUM);
}

function chromium(): string {
  const bin = findChromium();
  if (!bin) throw new UsageError('no chromium on PATH (apt-get install chromium)');
  return bin;
}

/** The page's DOM after its scripts ran, as headless Chromium sees it. */
export async function renderedDom(htmlFile: string, userDataDir: string): Promise<string> {
  const r = await execa(chromium(), [...FLAGS, `--user-data-dir=${userDataDir}`, `--window-size=${SCREENSHOT_WIDTH},1000`, '--dump-dom', pathToFileURL(htmlFile).href], { timeout: 60_000 });
  return r.stdout;
}

/**
 * A PNG of the whole page and nothing below it, for a person to look at: the page says how tall
 * it rendered (data-page-height), and the screenshot is taken at that height.
 */
export async function screenshot(htmlFile: string, pngFile: string, userDataDir: string): Promise<number> {
  const dom = await renderedDom(htmlFile, userDataDir);
  const height = Number(/data-page-height="(\d+)"/.exec(dom)?.[1] ?? 3000);
  await execa(chromium(), [...FLAGS, `--user-data-dir=${userDataDir}`, `--screenshot=${pngFile}`, `--window-size=${SCREENSHOT_WIDTH},${height}`, pathToFileURL(htmlFile).href], {
    timeout: 60_000,
  });
  return height;
}
