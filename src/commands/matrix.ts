import type { Command } from 'commander';
import { resolveStrategyRef, strategyNames } from '../../strategies/index.js';
import { runMatrix } from '../matrix.js';
import { DEFAULT_REPORTS_DIR, writeReport, type LoadedReport } from '../report/files.js';
import type { Format } from '../report/formats/index.js';
import { addRunOptions, positiveInt, type RunFlags } from './options.js';
import { emit, formatOption, renderComparison } from './output.js';
import { runSetup } from './runSetup.js';
import { say, withResources } from './session.js';
import { exitByVerdict } from './verdict.js';

interface Flags extends RunFlags {
  strategies: string;
  repeat: number;
  format: Format;
  out?: string;
  reportsDir: string;
}

export function registerMatrix(program: Command): void {
  addRunOptions(
    program
      .command('matrix')
      .description('run several strategies on fresh data with one infra start, then compare them')
      .requiredOption('--strategies <list>', 'comma-separated strategy names or plugin files, or "all"'),
  )
    .option('--repeat <k>', 'runs per strategy; figures are medians with their spread, the verdict the worst', positiveInt, 1)
    .addOption(formatOption())
    .option('--out <file>', 'write the comparison to this file instead of stdout')
    .option('--reports-dir <dir>', 'where each run report is written', DEFAULT_REPORTS_DIR)
    .action(async (flags: Flags) => {
      process.exitCode = await matrix(flags);
    });
}

async function matrix(flags: Flags): Promise<number> {
  const names = flags.strategies === 'all' ? strategyNames() : flags.strategies.split(',').map((s) => s.trim()).filter(Boolean);
  const strategies = await Promise.all(names.map(resolveStrategyRef));
  const setup = await runSetup(flags);
  const quiet = Boolean(flags.quiet || flags.format === 'json');
  if (!quiet) setup.notes.forEach(say);
  const written: LoadedReport[] = [];
  await withResources(quiet, (hooks) =>
    runMatrix(setup.infra, { strategies, repeat: flags.repeat, base: setup.base }, hooks, async (report) => {
      const { file } = await writeReport(report, undefined, flags.reportsDir);
      written.push({ report, file });
      if (!quiet) say(`${report.config.strategy}: ${report.audit.verdict}, ${report.load.rate.toFixed(0)} req/s → ${file}`);
    }),
  );
  await emit(renderComparison(written, flags.format), flags.out);
  return exitByVerdict(written, { gate: flags.gate, thresholds: setup.thresholds }, process.stderr);
}
