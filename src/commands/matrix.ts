import type { Command } from 'commander';
import { resolveStrategyRef, strategyNames } from '../../strategies/index.js';
import { UsageError } from '../errors.js';
import { runMatrix, runTargetMatrix } from '../matrix.js';
import { DEFAULT_REPORTS_DIR, writeReport, type LoadedReport } from '../report/files.js';
import type { Format } from '../report/formats/index.js';
import type { Report } from '../report/schema.js';
import { assertLoopbackTarget, loadTarget } from '../target/file.js';
import { addRunOptions, positiveInt, type RunFlags } from './options.js';
import { emit, formatOption, renderComparison } from './output.js';
import { runSetup } from './runSetup.js';
import { say, withResources } from './session.js';
import { exitByVerdict } from './verdict.js';

interface Flags extends RunFlags {
  strategies?: string;
  targets?: string;
  allowRemote?: boolean;
  repeat: number;
  format: Format;
  out?: string;
  reportsDir: string;
}

export function registerMatrix(program: Command): void {
  addRunOptions(
    program
      .command('matrix')
      .description('run several strategies (or target services) on fresh data, then compare them')
      .option('--strategies <list>', 'comma-separated strategy names or plugin files, or "all"')
      .option('--targets <list>', 'comma-separated target files: your services, each reset before each run')
      .option('--allow-remote', 'let --targets load a host that is not this machine'),
  )
    .option('--repeat <k>', 'runs per strategy; figures are medians with their spread, the verdict the worst', positiveInt, 1)
    .addOption(formatOption())
    .option('--out <file>', 'write the comparison to this file instead of stdout')
    .option('--reports-dir <dir>', 'where each run report is written', DEFAULT_REPORTS_DIR)
    .action(async (flags: Flags) => {
      process.exitCode = await matrix(flags);
    });
}

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

async function matrix(flags: Flags): Promise<number> {
  if (Boolean(flags.strategies) === Boolean(flags.targets)) throw new UsageError('give either --strategies LIST or --targets FILES');
  const targets = await Promise.all(list(flags.targets ?? '').map(loadTarget));
  targets.forEach((t) => assertLoopbackTarget(t.target, Boolean(flags.allowRemote)));
  const names = flags.strategies === 'all' ? strategyNames() : list(flags.strategies ?? '');
  const strategies = await Promise.all(names.map(resolveStrategyRef));
  const setup = await runSetup(flags);
  const quiet = Boolean(flags.quiet || flags.format === 'json');
  if (!quiet) setup.notes.forEach(say);
  const written: LoadedReport[] = [];
  const onReport = async (report: Report) => {
    const { file } = await writeReport(report, undefined, flags.reportsDir);
    written.push({ report, file });
    if (!quiet) say(`${report.config.strategy}: ${report.audit.verdict}, ${report.load.rate.toFixed(0)} req/s → ${file}`);
  };
  await withResources(quiet, (hooks) =>
    targets.length > 0
      ? runTargetMatrix(targets, flags.repeat, setup.base, hooks, onReport)
      : runMatrix(setup.infra, { strategies, repeat: flags.repeat, base: setup.base }, hooks, onReport),
  );
  await emit(renderComparison(written, flags.format), flags.out);
  return exitByVerdict(written, { gate: flags.gate, thresholds: setup.thresholds }, process.stderr);
}
