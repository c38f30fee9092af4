import type { Command } from 'commander';
import { resolveStrategyRef, strategyNames } from '../../strategies/index.js';
import { writeReport } from '../report/files.js';
import { progressPrinter } from '../report/progress.js';
import { renderRun } from '../report/runTables.js';
import { runOnce } from '../run.js';
import { addRunOptions, type RunFlags } from './options.js';
import { runSetup } from './runSetup.js';
import { say, withResources } from './session.js';
import { exitByVerdict } from './verdict.js';

interface Flags extends RunFlags {
  strategy: string;
  out?: string;
  json?: boolean;
}

export function registerRun(program: Command): void {
  addRunOptions(
    program
      .command('run')
      .description('bring up MySQL + Redis, seed a coupon, serve it with one strategy, load it, audit, report')
      .requiredOption('-s, --strategy <name|file>', `strategy under test: ${strategyNames().join(', ')}, or a plugin file (./my-strategy.js)`),
  )
    .option('--out <file>', 'report path (default reports/<time>-<strategy>-<scenario>.json)')
    .option('--json', 'print the JSON report to stdout instead of tables')
    .action(async (flags: Flags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: Flags): Promise<number> {
  const ref = await resolveStrategyRef(flags.strategy);
  const setup = await runSetup(flags);
  const quiet = Boolean(flags.quiet || flags.json);
  if (!quiet) setup.notes.forEach(say);
  const config = { ...setup.base, ...ref };
  const onTick = quiet ? undefined : progressPrinter(process.stderr, config.scenario.quantity);
  const report = await withResources(quiet, (hooks) => runOnce(setup.infra, config, { ...hooks, onTick }));
  const { file, json } = await writeReport(report, flags.out);
  if (flags.json) process.stdout.write(json);
  else {
    process.stdout.write(`${renderRun(report)}\n`);
    say(`report: ${file}`);
  }
  return exitByVerdict([{ report, file }], { gate: flags.gate, thresholds: setup.thresholds }, process.stderr);
}
