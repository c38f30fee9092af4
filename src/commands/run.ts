import type { Command } from 'commander';
import { resolveStrategyRef, strategyNames } from '../../strategies/index.js';
import { UsageError } from '../errors.js';
import type { Baseline } from '../history/format.js';
import { writeHistory } from '../history/write.js';
import type { LoadRun } from '../load/driver.js';
import { progressPrinter } from '../report/progress.js';
import type { Report } from '../report/schema.js';
import { runOnce, runSystem, type RunHooks } from '../run.js';
import { assertLoopbackTarget, loadTarget } from '../service/file.js';
import { serviceSystem, targetConfig } from '../system/service.js';
import { addRunOptions, type RunFlags } from './options.js';
import { assertCeilingMeasured, runSetup } from './runSetup.js';
import { assertOutputsWritable, finishRun } from './output.js';
import { say, withResources } from './session.js';

interface Flags extends RunFlags {
  strategy?: string;
  target?: string;
  allowRemote?: boolean;
  out?: string;
  json?: boolean;
  history?: string;
  calibrate?: boolean;
}

export function registerRun(program: Command): void {
  addRunOptions(
    program
      .command('run')
      .description('load one strategy (in the embedded server) or your own service (--target), then audit and report')
      .option('-s, --strategy <name|file>', `strategy under test: ${strategyNames().join(', ')}, or a plugin file (./my-strategy.js)`)
      .option('-t, --target <file>', 'your own service, described by a target file (JSON or YAML): load it and audit its database')
      .option('--allow-remote', 'let --target load a host that is not this machine'),
  )
    .option('--out <file>', 'report path (default reports/<time>-<strategy>-<scenario>.json)')
    .option('--json', 'print the JSON report to stdout instead of tables')
    .option('--history <file>', 'also write every request as NDJSON (user, sent time, latency, status, outcome), for `couponbench audit`')
    .option('--calibrate', 'measure the hot-row ceiling first (about 5 s), for the efficiency figure')
    .action(async (flags: Flags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: Flags): Promise<number> {
  if (Boolean(flags.strategy) === Boolean(flags.target)) throw new UsageError('give either --strategy NAME|FILE or --target FILE');
  if (flags.target && flags.calibrate) throw new UsageError("--calibrate measures couponbench's own schema; a target's database is not ours to load");
  const runner = flags.target ? await targetRunner(flags.target, Boolean(flags.allowRemote)) : undefined;
  const ref = flags.strategy ? await resolveStrategyRef(flags.strategy) : undefined;
  const setup = await runSetup(flags);
  await assertOutputsWritable(flags);
  assertCeilingMeasured(setup.thresholds, Boolean(flags.calibrate), 'add --calibrate');
  const quiet = Boolean(flags.quiet || flags.json);
  if (!quiet && ref) setup.notes.forEach(say);
  const onTick = quiet ? undefined : progressPrinter(process.stderr, setup.base.scenario.quantity);
  const history = flags.history;
  const report = await withResources(quiet, (hooks) => {
    const onLoadDone = history
      ? async (loadRun: LoadRun, baseline?: Baseline) => {
          await writeHistory(history, loadRun, ref?.strategy ?? runner!.name, baseline);
          hooks.onStage?.(`history: ${history} (${loadRun.log.length} requests)`);
        }
      : undefined;
    const withTick = { ...hooks, onTick, onLoadDone };
    return runner ? runner.run(setup.base, withTick) : runOnce(setup.infra, { ...setup.base, ...ref! }, withTick, Boolean(flags.calibrate));
  });
  return finishRun(report, flags, setup.thresholds);
}

/** Read and check the target file before anything is sent; returns the run to make. */
async function targetRunner(path: string, allowRemote: boolean) {
  const loaded = await loadTarget(path);
  assertLoopbackTarget(loaded.target, allowRemote);
  return {
    name: loaded.target.name,
    run: (base: Parameters<typeof targetConfig>[1], hooks: RunHooks): Promise<Report> => {
      const config = targetConfig(loaded, base);
      return runSystem(serviceSystem(loaded, config), config, hooks);
    },
  };
}
