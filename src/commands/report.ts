import { Option, type Command } from 'commander';
import { assertOutputs } from '../atomicFile.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { screenshot } from '../report/browser.js';
import { collectReports } from '../report/files.js';
import { FORMATS, type Format } from '../report/formats/index.js';
import { renderRun } from '../report/runTables.js';
import { emit, renderComparison } from './output.js';

interface Flags {
  format?: Format;
  out?: string;
  html?: string;
  screenshot?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("print saved runs' tables again, or render them as one comparison (e.g. a self-contained HTML file)")
    .argument('<reports...>', 'report files or directories')
    .addOption(new Option('--format <format>', 'render a comparison instead of each run').choices(FORMATS))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--html <file>', 'shorthand for --format html --out FILE (tables + charts over time, works offline)')
    .option('--screenshot <png>', 'with an HTML file: a PNG of the page taken by headless chromium')
    .action(async (paths: string[], flags: Flags) => {
      const reports = await collectReports(paths);
      if (flags.html && ((flags.format && flags.format !== 'html') || flags.out)) throw new UsageError('--html FILE already means --format html --out FILE');
      const format = flags.html ? 'html' : flags.format;
      const out = flags.html ?? flags.out;
      if (flags.screenshot && !(format === 'html' && out)) throw new UsageError('--screenshot needs an HTML file: --html FILE');
      await assertOutputs({ [flags.html ? '--html' : '--out']: out, '--screenshot': flags.screenshot }, { report: paths });
      if (!format) {
        for (const r of reports) process.stdout.write(`${renderRun(r.report)}\n\n`);
        return;
      }
      await emit(renderComparison(reports, format), out);
      if (out) process.stdout.write(`${format}: ${out}\n`);
      if (flags.screenshot && out) {
        const profile = mkdtempSync(join(tmpdir(), 'couponbench-chromium-'));
        try {
          await screenshot(out, flags.screenshot, profile);
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
        process.stdout.write(`screenshot: ${flags.screenshot}\n`);
      }
    });
}
