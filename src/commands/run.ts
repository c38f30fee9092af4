import type { Command } from 'commander';
import { resolveStrategyRef, strategyNames } from '../../strategies/index.js';
import { UsageError } from '../errors.js';
import { assertEmbeddedFaults } from '../system/embedded.js';
import type { Baseline } from '../history/format.js';
import { writeHistory } from '../history/write.js';
import type { LoadRun } from '../load/driver.js';
import { withLive } from '../live/session.js';
import type { Report } from '../report/schema.js';
import { driveSystem, runOnce, runSystem, type RunHooks } from '../run.js';
import { int } from '../report/format.js';
import { assertLoopbackTarget, loadTarget } from '../service/file.js';
import { serviceSystem, targetConfig } from '../system/service.js';
import { addRunOptions, collect, outHelp, type RunFlags } from './options.js';
import { assertCeilingMeasured, runSetup } from './runSetup.js';
import { assertOutputsWritable, finishRun } from './output.js';
import { say, withResources } from './session.js';

interface Flags extends RunFlags {
  strategy?: string;
  target?: string;
  allowRemote?: boolean;
  ca?: string;
  out?: string;
  json?: boolean;
  history?: string;
  calibrate?: boolean;
  audit: boolean;
  reset: boolean;
}

export function registerRun(program: Command): void {
  addRunOptions(
    program
      .command('run')
      .description('load one strategy (in the embedded server) or your own service (--target), then audit and report')
      .option('-s, --strategy <name|file>', `strategy under test: ${strategyNames().join(', ')}, or a plugin file (./my-strategy.js)`)
      .option('-t, --target <file>', 'your own service, described by a target file (JSON or YAML): load it and audit its database')
      .option('--allow-remote', 'let --target load a host that is not this machine')
      .option('--ca <file>', "an https:// target's certificate authority (PEM) to trust, instead of the file's tls.ca"),
  )
    .option('--out <file>', outHelp('report path (default reports/<time>-<strategy>-<scenario>.json)'), collect)
    .option('--json', 'print the JSON report to stdout instead of tables')
    .option('--history <file>', 'also write every request as NDJSON (user, sent time, latency, status, outcome), for `couponbench audit`')
    .option('--calibrate', 'measure the hot-row ceiling first (about 5 s), for the efficiency figure')
    .option('--no-audit', '--target: drive and write --history only; one part of a load several drivers make, audited together with `couponbench audit --history`')
    .option('--no-reset', "--target: skip the file's reset steps (the service was reset once, e.g. by `couponbench reset`)")
    .action(async (flags: Flags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: Flags): Promise<number> {
  if (Boolean(flags.strategy) === Boolean(flags.target)) throw new UsageError('give either --strategy NAME|FILE or --target FILE');
  if (flags.target && flags.calibrate) throw new UsageError("--calibrate measures couponbench's own schema; a target's database is not ours to load");
  if (!flags.target && (!flags.audit || !flags.reset)) throw new UsageError(`${flags.audit ? '--no-reset' : '--no-audit'} is for --target: a strategy's run seeds its own coupon and audits it`);
  if (!flags.audit && !flags.history) throw new UsageError('--no-audit needs --history FILE: the requests it writes are what `couponbench audit` audits later');
  if (flags.ca && !flags.target) throw new UsageError('--ca is for --target: the embedded server speaks plain HTTP');
  const runner = flags.target ? await targetRunner(flags.target, Boolean(flags.allowRemote), flags.reset, flags.ca) : undefined;
  const ref = flags.strategy ? await resolveStrategyRef(flags.strategy) : undefined;
  const setup = await runSetup(flags);
  if (ref) assertEmbeddedFaults(setup.base.scenario.faults, { instances: flags.instances, db: flags.db });
  await assertOutputsWritable(flags, { '--target': flags.target, '--ca': flags.ca, '--scenario': flags.scenario, '--strategy': flags.strategy });
  assertCeilingMeasured(setup.thresholds, Boolean(flags.calibrate), 'add --calibrate');
  const quiet = Boolean(flags.quiet || flags.json);
  if (!quiet && ref) setup.notes.forEach(say);
  const history = flags.history;
  const withHistory = (hooks: RunHooks): RunHooks => {
    const onLoadDone = history
      ? async (loadRun: LoadRun, baseline?: Baseline) => {
          await writeHistory(history, loadRun, ref?.strategy ?? runner!.name, baseline);
          hooks.onEvent?.({ type: 'history-written', file: history, requests: loadRun.log.length });
        }
      : undefined;
    return { ...hooks, onLoadDone };
  };
  return withLive(flags.live, ref?.strategy ?? runner!.name, say, async (live) => {
    const watchers = { progress: true, live };
    if (!flags.audit) {
      const loadRun = await withResources(quiet, (hooks) => runner!.drive(setup.base, withHistory(hooks)), watchers);
      if (!flags.quiet) say(`load: ${int(loadRun.log.length)} requests in ${(loadRun.durationMs / 1000).toFixed(1)} s, written to ${history}; not audited (--no-audit): audit every part with \`couponbench audit --target ${flags.target} --history PART --history PART ...\``);
      return 0;
    }
    const report = await withResources(
      quiet,
      (hooks) => (runner ? runner.run(setup.base, withHistory(hooks)) : runOnce(setup.infra, { ...setup.base, ...ref! }, withHistory(hooks), Boolean(flags.calibrate))),
      watchers,
    );
    return await finishRun(report, flags, setup.thresholds);
  });
}

/** Read and check the target file before anything is sent; returns the run to make. */
async function targetRunner(path: string, allowRemote: boolean, reset: boolean, ca?: string) {
  const loaded = await loadTarget(path, { ca });
  assertLoopbackTarget(loaded.target, allowRemote);
  type Base = Parameters<typeof targetConfig>[1];
  return {
    name: loaded.target.name,
    run: (base: Base, hooks: RunHooks): Promise<Report> => {
      const config = targetConfig(loaded, base);
      return runSystem(serviceSystem(loaded, config, { reset }), config, hooks);
    },
    drive: (base: Base, hooks: RunHooks): Promise<LoadRun> => {
      const config = targetConfig(loaded, base);
      return driveSystem(serviceSystem(loaded, config, { reset }), config, hooks);
    },
  };
}
