/**
 * `couponbench hunt`: search fault schedules on a strategy or a service until one breaks it, then
 * confirm, shrink, and print a reproducer (and save it as a scenario file the gate can replay).
 * Exit 1 when it found a break, 0 when the budget ran out without one. `matrix --hunt` hunts
 * several systems with the same code (`huntSystems`) and adds one table.
 */
import chalk from 'chalk';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { resolveStrategyRef, type StrategyRef } from '../../strategies/index.js';
import { assertOutputs, writeFileAtomic } from '../atomicFile.js';
import { peakVUs, totalDuration, type RunConfig } from '../config.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { FAULT_KINDS, faultFlag, faultLabel, parseFaultKinds } from '../faults/spec.js';
import { describeTrial, hunt, type HuntResult } from '../hunt/index.js';
import { huntSpace, type HuntSpace } from '../hunt/space.js';
import { trialConfig, trialResult } from '../hunt/trial.js';
import type { Runner, Trial } from '../hunt/types.js';
import { witnessLines } from '../report/witnessText.js';
import { bringUpInfra, preflight, runOnInfra, runSystem, type RunHooks } from '../run.js';
import { assertLoopbackTarget, loadTarget, type LoadedTarget } from '../service/file.js';
import { embeddedOffer } from '../system/embedded.js';
import { serviceOffer, serviceSystem, targetConfig } from '../system/service.js';
import { addRunOptions, collect, outHelp, seconds, strategyArgs, type RunFlags } from './options.js';
import { withLive, type LiveSession } from '../live/session.js';
import { isLive } from '../timeline/events.js';
import { runSetup, type RunSetup } from './runSetup.js';
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
    .option('--out <file>', outHelp('where the smallest breaking schedule is saved as a scenario file (default hunt-<name>.json)'), collect)
    .action(async (flags: Flags) => {
      process.exitCode = await huntCommand(flags);
    });
}

/** One system to hunt: a strategy in the embedded server, or a service from its target file; `out` is where a break is saved. */
export type HuntedSystem = ({ strategy: StrategyRef; given: string } | { target: LoadedTarget; given: string }) & { name: string; out: string };

export interface HuntOutcome {
  system: HuntedSystem;
  base: RunConfig;
  result: HuntResult;
}

export interface HuntSettings {
  setup: RunSetup;
  /** The kinds to search (`--faults`), KIND or KIND#LINK; empty: all. */
  faults?: string;
  seed: number;
  /** Seconds for each system. */
  budgetS: number;
  /** What watches the tries live (--dashboard, --out KIND=URL). */
  live?: LiveSession;
}

/** A strategy (name or plugin file) as a system to hunt, saved to `out` or hunt-<name>.json. */
export async function strategyToHunt(given: string, out?: string): Promise<HuntedSystem> {
  const strategy = await resolveStrategyRef(given);
  const name = strategy.strategy.replace(/^.*\//, '').replace(/\.[cm]?js$/, '');
  return { strategy, given, name, out: out ?? `hunt-${name}.json` };
}

/** A target file as a system to hunt. */
export async function targetToHunt(given: string, flags: { ca?: string; allowRemote?: boolean }, out?: string): Promise<HuntedSystem> {
  const target = await loadTarget(given, { ca: flags.ca });
  assertLoopbackTarget(target.target, Boolean(flags.allowRemote));
  return { target, given, name: target.target.name, out: out ?? `hunt-${target.target.name}.json` };
}

async function huntCommand(flags: Flags): Promise<number> {
  if (Boolean(flags.strategy) === Boolean(flags.target)) throw new UsageError('give either --strategy NAME|FILE or --target FILE');
  const system = flags.strategy ? await strategyToHunt(flags.strategy, flags.out) : await targetToHunt(flags.target!, flags, flags.out);
  const setup = await runSetup(flags);
  return withLive(flags.live, `hunt of ${system.name}`, say, async (live) => {
    const [outcome] = await huntSystems([system], { setup, faults: flags.faults, seed: flags.seed, budgetS: flags.budget, live }, flags);
    return (await saveAndPrint(outcome!, flags)) ? 1 : 0;
  });
}

/** Hunt each system in turn, on one infra for the strategies; each gets `budgetS`. */
export async function huntSystems(systems: HuntedSystem[], settings: HuntSettings, flags: RunFlags): Promise<HuntOutcome[]> {
  const { setup } = settings;
  if (settings.budgetS <= 0) throw new UsageError('--budget must be above 0 s');
  const kinds = parseFaultKinds(settings.faults);
  if (setup.base.scenario.faults.length > 0) throw new UsageError('hunt chooses the faults itself: give no --fault (use --faults KINDS to narrow the search)');
  assertOutputs(Object.fromEntries(systems.map((s) => [`the schedule of ${s.name}`, s.out])), { '--scenario': flags.scenario, '--target': systems.flatMap((s) => ('target' in s ? [s.given] : [])) });
  const load = { vus: peakVUs(setup.base.scenario), durationS: totalDuration(setup.base.scenario) };
  const strategies = systems.flatMap((s) => ('strategy' in s ? [{ ...setup.base, ...s.strategy }] : []));
  if (strategies.length > 0) await preflight(setup.infra, strategies[0]!, strategies);
  return withResources(Boolean(flags.quiet), async (hooks) => {
    // Each try is a whole run; only the hunt's own lines are shown, and the live events go to the dashboard and outputs.
    const tryHooks: RunHooks = { resources: hooks.resources, onEvent: (event) => void (isLive(event) && settings.live?.onEvent(event)) };
    const infra = strategies.length > 0 ? await bringUpInfra(setup.infra, hooks) : undefined;
    const outcomes: HuntOutcome[] = [];
    /** What a system's hunt searches (its space, from what it offers) and how it makes one try. */
    const searchOf = (system: HuntedSystem): { base: RunConfig; space: HuntSpace; runner: Runner } => {
      if ('target' in system) {
        const loaded = system.target;
        const base = targetConfig(loaded, setup.base);
        const space = huntSpace(serviceOffer(loaded.target), load, kinds);
        if (space.placements.length === 0) throw new UsageError(`${loaded.target.name} can take none of the faults ${kinds.join(', ')} (declare links, or a service section)`);
        return { base, space, runner: async (t) => {
          const config = trialConfig(base, t);
          return trialResult(await runSystem(serviceSystem(loaded, config), config, tryHooks));
        } };
      }
      const base: RunConfig = { ...setup.base, ...system.strategy };
      const space = huntSpace(embeddedOffer(base, Boolean(infra!.processes), infra!.redisCluster), load, kinds);
      if (space.placements.length === 0) throw new UsageError(`none of the faults ${kinds.join(', ')} can act here (infra that is not this run's takes link faults only)`);
      return { base, space, runner: async (t) => trialResult(await runOnInfra(infra!, trialConfig(base, t), tryHooks)) };
    };
    const options = { seed: settings.seed, budgetMs: settings.budgetS * 1000, onEvent: hooks.onEvent };
    for (const [i, system] of systems.entries()) {
      if (systems.length > 1) hooks.onEvent?.({ type: 'matrix-item', label: system.name, run: i + 1, of: systems.length });
      const { base, space, runner } = searchOf(system);
      outcomes.push({ system, base, result: await hunt({ ...options, space, runner }) });
    }
    return outcomes;
  }, { live: settings.live });
}

/** The command line that replays `trial`, with the flags the hunt was given that change the load. */
function reproducer(trial: Trial, system: HuntedSystem, flags: RunFlags): string[] {
  const who = 'target' in system ? `--target ${system.given}` : [`--strategy ${system.given}`, ...strategyArgs(flags)].join(' ');
  const faults = trial.faults.map((f) => `--fault '${faultFlag(f)}'`).join(' ');
  return [`couponbench run ${who} --scenario ${system.out} --gate`, `couponbench run ${who} --scenario ${flags.scenario} ${faults} --vus ${trial.load.vus} --duration ${formatDuration(trial.load.durationS)}`];
}

/** What a hunt that found nothing covered: the kinds and links, the windows and amounts. */
export function coverage(result: HuntResult): string {
  const kinds = [...new Set(result.tries.flatMap((t) => t.trial.faults.map(faultLabel)))];
  const amounts = result.tries.flatMap((t) => t.trial.faults.flatMap((f) => (f.amount !== undefined ? [f.amount] : [])));
  const windows = result.tries.flatMap((t) => t.trial.faults.filter((f) => f.duration > 0).map((f) => f.duration));
  return (
    kinds.join(', ') +
    (windows.length ? `; windows ${formatDuration(Math.min(...windows))}-${formatDuration(Math.max(...windows))}` : '') +
    (amounts.length ? `; latency ${formatDuration(Math.min(...amounts))}-${formatDuration(Math.max(...amounts))} each way` : '')
  );
}

const minutes = (result: HuntResult) => `${(result.elapsedMs / 60_000).toFixed(1)} min`;

/** Save a break as a scenario file and print it with its shrinking, reproducers and witness; true when it broke. */
export async function saveAndPrint({ system, base, result }: HuntOutcome, flags: RunFlags): Promise<boolean> {
  if (!result.found) {
    process.stdout.write(`unbroken after ${result.tries.length} tries in ${minutes(result)}: ${coverage(result)}\n`);
    return false;
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
  await writeFileAtomic(system.out, `${JSON.stringify(file, null, 2)}\n`);
  const kept = f.steps.filter((s) => s.broke).map((s) => s.change);
  const lines = [
    `BROKEN after ${result.tries.length} tries in ${minutes(result)}: ${describeTrial(f.trial)}: ${f.result.broken} (broke in ${f.confirmed.broke} of ${f.confirmed.of} runs)`,
    `shrunk in ${f.steps.length} tries (${kept.length} kept${kept.length ? `: ${kept.join('; ')}` : ''}) to: ${describeTrial(shrunk)} (broke in ${f.shrunkConfirmed.broke} of ${f.shrunkConfirmed.of} runs)`,
    `saved as ${system.out}; replay it with:`,
    ...reproducer(shrunk, system, flags).map((l) => `  ${l}`),
    ...(f.shrunkResult.evidence ? ['', `what broke in a run of ${describeTrial(shrunk)}:`, ...witnessLines(f.shrunkResult.evidence)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!flags.quiet && f.shrunkConfirmed.broke < f.shrunkConfirmed.of) say(`the break is not certain: it came in ${f.shrunkConfirmed.broke} of ${f.shrunkConfirmed.of} runs of this schedule, so a replay may need a few runs`);
  return true;
}

/** `matrix --hunt`'s table: what broke each system and its smallest schedule, or what was covered without a break. */
export function huntTable(outcomes: HuntOutcome[]): string {
  const t = new Table({ head: ['system', 'verdict', 'smallest breaking schedule', 'broke in', 'what broke', 'tries', 'time'], style: { head: [], border: [] }, wordWrap: true, colWidths: [18, 10, 34, 9, 22, 7, 9] });
  for (const { system, result } of outcomes) {
    const f = result.found;
    t.push(
      f
        ? [system.name, chalk.red.bold('BROKEN'), describeTrial(f.shrunk), `${f.shrunkConfirmed.broke} of ${f.shrunkConfirmed.of}`, f.result.broken ?? '', String(result.tries.length), minutes(result)]
        : [system.name, chalk.green('unbroken'), chalk.dim(`after ${result.tries.length} tries: ${coverage(result)}`), '', '', String(result.tries.length), minutes(result)],
    );
  }
  return t.toString();
}
