/**
 * `couponbench hunt`: search fault schedules on a strategy or a service until one breaks it, then
 * confirm, shrink, and print a reproducer (and save it as a scenario file the gate can replay).
 * Exit 1 when it found a break, 0 when the budget ran out without one.
 */
import type { Command } from 'commander';
import { resolveStrategyRef } from '../../strategies/index.js';
import { assertOutputs, writeFileAtomic } from '../atomicFile.js';
import { peakVUs, totalDuration, type RunConfig } from '../config.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { FAULT_KINDS, faultFlag, type FaultKind } from '../faults/spec.js';
import { describeTrial, hunt, type HuntResult } from '../hunt/index.js';
import { huntSpace } from '../hunt/space.js';
import { trialConfig, trialResult } from '../hunt/trial.js';
import type { Trial } from '../hunt/types.js';
import { bringUpInfra, preflight, runOnInfra, runSystem, type RunHooks } from '../run.js';
import { assertLoopbackTarget, loadTarget } from '../service/file.js';
import { embeddedOffer } from '../system/embedded.js';
import { serviceOffer, serviceSystem, targetConfig } from '../system/service.js';
import { addRunOptions, seconds, strategyArgs, type RunFlags } from './options.js';
import { runSetup } from './runSetup.js';
import { say, withResources } from './session.js';

interface Flags extends RunFlags {
  strategy?: string;
  target?: string;
  allowRemote?: boolean;
  ca?: string;
  budget: number;
  faults?: string;
  out?: string;
}

export function registerHunt(program: Command): void {
  addRunOptions(
    program
      .command('hunt')
      .description('search fault schedules until one breaks integrity, confirm it, shrink it, and print a reproducer')
      .option('-s, --strategy <name|file>', 'strategy under test, in the embedded server')
      .option('-t, --target <file>', 'your own service, described by a target file')
      .option('--allow-remote', 'let --target load a host that is not this machine')
      .option('--ca <file>', "an https:// target's certificate authority (PEM) to trust"),
  )
    .option('--budget <d>', 'time to search and shrink, e.g. 10m', seconds, 600)
    .option('--faults <kinds>', `fault kinds to search (default: every kind the system can take: ${FAULT_KINDS.join(', ')})`)
    .option('--out <file>', 'where the smallest breaking schedule is saved as a scenario file (default hunt-<name>.json)')
    .action(async (flags: Flags) => {
      process.exitCode = await huntCommand(flags);
    });
}

function kindsOf(text: string | undefined): FaultKind[] {
  if (!text) return [...FAULT_KINDS];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new UsageError(`unknown fault kind "${name}" (kinds: ${FAULT_KINDS.join(', ')})`);
  return names as FaultKind[];
}

async function huntCommand(flags: Flags): Promise<number> {
  if (Boolean(flags.strategy) === Boolean(flags.target)) throw new UsageError('give either --strategy NAME|FILE or --target FILE');
  if (flags.budget <= 0) throw new UsageError('--budget must be above 0 s');
  const kinds = kindsOf(flags.faults);
  const setup = await runSetup(flags);
  if (setup.base.scenario.faults.length > 0) throw new UsageError('hunt chooses the faults itself: give no --fault (use --faults KINDS to narrow the search)');
  const load = { vus: peakVUs(setup.base.scenario), durationS: totalDuration(setup.base.scenario) };
  const ref = flags.strategy ? await resolveStrategyRef(flags.strategy) : undefined;
  const name = ref?.strategy.replace(/^.*\//, '').replace(/\.[cm]?js$/, '');
  const loaded = flags.target ? await loadTarget(flags.target, { ca: flags.ca }) : undefined;
  if (loaded) assertLoopbackTarget(loaded.target, Boolean(flags.allowRemote));
  const out = flags.out ?? `hunt-${loaded?.target.name ?? name}.json`;
  assertOutputs({ '--out': out }, { '--scenario': flags.scenario, '--target': flags.target });
  const quiet = Boolean(flags.quiet);
  const result = await withResources(quiet, async (hooks) => {
    // Each try is a whole run; only the hunt's own lines are shown.
    const tryHooks: RunHooks = { resources: hooks.resources };
    if (loaded) {
      const base = targetConfig(loaded, setup.base);
      const space = huntSpace(serviceOffer(loaded.target), load, kinds);
      if (space.placements.length === 0) throw new UsageError(`${loaded.target.name} can take none of the faults ${kinds.join(', ')} (declare links, or a service section)`);
      return { base, hunted: await hunt({ space, seed: flags.seed, budgetMs: flags.budget * 1000, onEvent: hooks.onEvent, runner: async (t) => {
        const config = trialConfig(base, t);
        return trialResult(await runSystem(serviceSystem(loaded, config), config, tryHooks));
      } }) };
    }
    const base: RunConfig = { ...setup.base, ...ref! };
    await preflight(setup.infra, base, [ref!]);
    const infra = await bringUpInfra(setup.infra, hooks);
    const space = huntSpace(embeddedOffer(base, Boolean(infra.processes), infra.redisCluster), load, kinds);
    if (space.placements.length === 0) throw new UsageError(`none of the faults ${kinds.join(', ')} can act here (infra that is not this run's takes link faults only)`);
    return { base, hunted: await hunt({ space, seed: flags.seed, budgetMs: flags.budget * 1000, onEvent: hooks.onEvent, runner: async (t) => trialResult(await runOnInfra(infra, trialConfig(base, t), tryHooks)) }) };
  });
  return finish(result.hunted, result.base, flags, out);
}

/** The command line that replays `trial`, with the flags the hunt was given that change the load. */
function reproducer(trial: Trial, flags: Flags, scenarioFile: string): string[] {
  const who = flags.target ? `--target ${flags.target}` : [`--strategy ${flags.strategy}`, ...strategyArgs(flags)].join(' ');
  const faults = trial.faults.map((f) => `--fault '${faultFlag(f)}'`).join(' ');
  return [`couponbench run ${who} --scenario ${scenarioFile} --gate`, `couponbench run ${who} --scenario ${flags.scenario} ${faults} --vus ${trial.load.vus} --duration ${formatDuration(trial.load.durationS)}`];
}

async function finish(result: HuntResult, base: RunConfig, flags: Flags, out: string): Promise<number> {
  const minutes = (result.elapsedMs / 60_000).toFixed(1);
  if (!result.found) {
    const kinds = [...new Set(result.tries.flatMap((t) => t.trial.faults.map((f) => (f.link ? `${f.kind}#${f.link}` : f.kind))))];
    const amounts = result.tries.flatMap((t) => t.trial.faults.flatMap((f) => (f.amount !== undefined ? [f.amount] : [])));
    const windows = result.tries.flatMap((t) => t.trial.faults.filter((f) => f.duration > 0).map((f) => f.duration));
    process.stdout.write(`unbroken after ${result.tries.length} tries in ${minutes} min: ${kinds.join(', ')}` +
      (windows.length ? `; windows ${formatDuration(Math.min(...windows))}-${formatDuration(Math.max(...windows))}` : '') +
      (amounts.length ? `; latency ${formatDuration(Math.min(...amounts))}-${formatDuration(Math.max(...amounts))} each way` : '') + '\n');
    return 0;
  }
  const f = result.found;
  const { shrunk } = f;
  const scenario = { ...trialConfig(base, shrunk).scenario };
  const file = {
    name: `hunt-${base.strategy}`,
    description: `found by couponbench hunt (seed ${flags.seed}): ${describeTrial(shrunk)} broke ${base.strategy}`,
    quantity: scenario.quantity,
    startVUs: scenario.startVUs,
    stages: scenario.stages,
    thinkTime: scenario.thinkTime,
    userPool: scenario.userPool,
    onePerUser: scenario.onePerUser,
    timeout: scenario.timeout,
    gracefulStop: scenario.gracefulStop,
    faults: scenario.faults,
  };
  await writeFileAtomic(out, `${JSON.stringify(file, null, 2)}\n`);
  const kept = f.steps.filter((s) => s.broke).map((s) => s.change);
  const lines = [
    `BROKEN after ${result.tries.length} tries in ${minutes} min: ${describeTrial(f.trial)}: ${f.result.broken} (broke in ${f.confirmed.broke} of ${f.confirmed.of} runs)`,
    `shrunk in ${f.steps.length} tries (${kept.length} kept${kept.length ? `: ${kept.join('; ')}` : ''}) to: ${describeTrial(shrunk)} (broke in ${f.shrunkConfirmed.broke} of ${f.shrunkConfirmed.of} runs)`,
    `saved as ${out}; replay it with:`,
    ...reproducer(shrunk, flags, out).map((l) => `  ${l}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!flags.quiet && f.shrunkConfirmed.broke < f.shrunkConfirmed.of) say(`the break is not certain: it came in ${f.shrunkConfirmed.broke} of ${f.shrunkConfirmed.of} runs of this schedule, so a replay may need a few runs`);
  return 1;
}
