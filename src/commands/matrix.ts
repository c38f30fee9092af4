import type { Command } from 'commander';
import { resolveStrategyRef, strategiesFor } from '../../strategies/index.js';
import { totalDuration } from '../config.js';
import { UsageError } from '../errors.js';
import { FAULT_KINDS, LINK_NAMES, parseFaultKind, type FaultSpec, type LinkName } from '../faults/spec.js';
import { runMatrix, runTargetMatrix, targetRuns } from '../matrix.js';
import { isLive, type RunEvent } from '../timeline/events.js';
import { renderEvent } from '../timeline/render.js';
import { DEFAULT_REPORTS_DIR, writeReport, type LoadedReport } from '../report/files.js';
import type { Format } from '../report/formats/index.js';
import type { Report } from '../report/schema.js';
import { assertLoopbackTarget, loadTarget } from '../service/file.js';
import type { TargetFile } from '../service/schema.js';
import { assertEmbeddedFaults, embeddedLinks } from '../system/embedded.js';
import { addRunOptions, collect, outHelp, positiveInt, seconds, type RunFlags } from './options.js';
import { withLive } from '../live/session.js';
import { huntSystems, huntTable, saveAndPrint, strategyToHunt, targetToHunt } from './hunt.js';
import { assertOutputs } from '../atomicFile.js';
import { FAULTS } from '../faults/index.js';
import { assertOutputsWritable, emit, formatOption, renderComparison } from './output.js';
import { assertCeilingMeasured, runSetup } from './runSetup.js';
import { say, withResources } from './session.js';
import { exitByVerdict } from './verdict.js';

interface Flags extends RunFlags {
  strategies?: string;
  targets?: string;
  faults?: string;
  allowRemote?: boolean;
  ca?: string;
  repeat: number;
  format: Format;
  out?: string;
  reportsDir: string;
  calibrate: boolean;
  hunt?: boolean;
  budget: number;
}

export function registerMatrix(program: Command): void {
  addRunOptions(
    program
      .command('matrix')
      .description('run several strategies (or target services) on fresh data, then compare them')
      .option('--strategies <list>', 'comma-separated strategy names or plugin files, or "all"')
      .option('--targets <list>', 'comma-separated target files: your services, each reset before each run')
      .option('--allow-remote', 'let --targets load a host that is not this machine')
      .option('--ca <file>', 'https:// targets: a certificate authority (PEM) to trust, instead of each file\'s tls.ca'),
  )
    .option('--faults <list>', `run each strategy or service once under each fault it can take (KIND, KIND#LINK, or "all": ${FAULT_KINDS.join(', ')}), a third of the way in for a third of the run`)
    .option('--repeat <k>', 'runs per strategy; figures are medians with their spread, the verdict the worst', positiveInt, 1)
    .addOption(formatOption())
    .option('--out <file>', outHelp('write the comparison to this file instead of stdout'), collect)
    .option('--reports-dir <dir>', 'where each run report is written', DEFAULT_REPORTS_DIR)
    .option('--no-calibrate', 'skip measuring the hot-row ceiling before the runs (about 5 s)')
    .option('--hunt', 'hunt each strategy or service for the fault schedule that breaks it (see `couponbench hunt`), then print one table; --faults narrows the kinds searched')
    .option('--budget <d>', 'with --hunt: time to search and shrink, shared among the strategies or services, e.g. 20m', seconds, 600)
    .action(async (flags: Flags) => {
      process.exitCode = flags.hunt ? await matrixHunt(flags) : await matrix(flags);
    });
}

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * One fault set per kind named: each a third of the way into the run, for a third of it (an
 * instant for kills and resets); a link fault once per link, or on the one named
 * (`latency#mysql`; latency: 1 s each way).
 */
function faultsFor(names: string, runS: number, reachable: readonly LinkName[]): FaultSpec[][] {
  const kinds = names === 'all' ? [...FAULT_KINDS] : list(names);
  const at = Math.round((runS / 3) * 10) / 10;
  return kinds.flatMap((name) => {
    const [kindName, linkName] = name.split('#');
    const kind = parseFaultKind(kindName!);
    const fault = FAULTS[kind];
    const duration = fault.instant ? 0 : at;
    if (fault.actsOn !== 'link') {
      if (linkName !== undefined) throw new UsageError(`"${name}": ${kind} acts on a process, not a link`);
      return [[{ kind, at, duration }]];
    }
    if (linkName !== undefined && !(LINK_NAMES as readonly string[]).includes(linkName)) throw new UsageError(`"${name}": no link ${linkName} (links: ${LINK_NAMES.join(', ')})`);
    const links = linkName ? [linkName as LinkName] : reachable;
    return links.map((link) => [{ kind, at, duration, link, ...(kind === 'latency' ? { amount: 1 } : {}) }]);
  });
}

/** The links some target declares (all of them when none does, so that each skipped run says why). */
function declaredLinks(targets: TargetFile[]): readonly LinkName[] {
  const declared = LINK_NAMES.filter((name) => targets.some((t) => t.links[name]));
  return declared.length > 0 ? declared : LINK_NAMES;
}

async function matrix(flags: Flags): Promise<number> {
  if (Boolean(flags.strategies) === Boolean(flags.targets)) throw new UsageError('give either --strategies LIST or --targets FILES');
  if (flags.ca && !flags.targets) throw new UsageError('--ca is for --targets: the embedded server speaks plain HTTP');
  const targets = await Promise.all(list(flags.targets ?? '').map((file) => loadTarget(file, { ca: flags.ca })));
  targets.forEach((t) => assertLoopbackTarget(t.target, Boolean(flags.allowRemote)));
  const names = flags.strategies === 'all' ? strategiesFor(flags.db) : list(flags.strategies ?? '');
  const strategies = await Promise.all(names.map(resolveStrategyRef));
  const setup = await runSetup(flags);
  await assertOutputsWritable({}, {}, flags.reportsDir);
  await assertOutputs({ '--out': flags.out }, { '--targets': list(flags.targets ?? ''), '--scenario': flags.scenario });
  const calibrate = flags.calibrate && targets.length === 0;
  assertCeilingMeasured(setup.thresholds, calibrate, 'it is measured for --strategies unless --no-calibrate');
  const faultSets = flags.faults ? faultsFor(flags.faults, totalDuration(setup.base.scenario), targets.length > 0 ? declaredLinks(targets.map((t) => t.target)) : embeddedLinks(flags.db)) : undefined;
  if (targets.length === 0) [setup.base.scenario.faults, ...(faultSets ?? [])].forEach((faults) => assertEmbeddedFaults(faults, { instances: flags.instances, db: flags.db }));
  const quiet = Boolean(flags.quiet || flags.format === 'json');
  const skipped: RunEvent[] = [];
  const serviceRuns = targets.length > 0 ? targetRuns({ targets, repeat: flags.repeat, base: setup.base, faultSets }, (event) => skipped.push(event)) : [];
  if (!quiet) setup.notes.forEach(say);
  if (!flags.quiet) skipped.forEach((event) => isLive(event) || say(renderEvent(event)));
  const written: LoadedReport[] = [];
  const onReport = async (report: Report) => {
    const { file } = await writeReport(report, undefined, flags.reportsDir);
    written.push({ report, file });
    if (!quiet) say(`${report.config.strategy}: ${report.audit.verdict}, ${report.load.rate.toFixed(0)} req/s → ${file}`);
  };
  return withLive(flags.live, `matrix of ${targets.length > 0 ? targets.map((t) => t.target.name).join(', ') : names.join(', ')}`, say, async (live) => {
    await withResources(
      quiet,
      (hooks) =>
        targets.length > 0
          ? runTargetMatrix(serviceRuns, { repeat: flags.repeat, base: setup.base }, hooks, onReport)
          : runMatrix(setup.infra, { strategies, repeat: flags.repeat, base: setup.base, faultSets, calibrate }, hooks, onReport),
      { live },
    );
    await emit(renderComparison(written, flags.format), flags.out);
    return exitByVerdict(written, { gate: flags.gate, thresholds: setup.thresholds, allowNoIssue: Boolean(flags.allowNoIssue) }, process.stderr);
  });
}

/** `matrix --hunt`: each strategy or service hunted with an equal share of the budget, each break printed, then one table. */
async function matrixHunt(flags: Flags): Promise<number> {
  if (Boolean(flags.strategies) === Boolean(flags.targets)) throw new UsageError('give either --strategies LIST or --targets FILES');
  if (flags.repeat !== 1) throw new UsageError('--repeat is for runs: a hunt confirms each break itself (broke in k of n)');
  if (flags.out) throw new UsageError('--out is the comparison of runs; a hunt saves each break as hunt-<name>.json');
  const names = flags.strategies === 'all' ? strategiesFor(flags.db) : list(flags.strategies ?? '');
  const systems = [...(await Promise.all(names.map((name) => strategyToHunt(name)))), ...(await Promise.all(list(flags.targets ?? '').map((file) => targetToHunt(file, flags))))];
  const setup = await runSetup(flags);
  return withLive(flags.live, `hunt of ${systems.map((s) => s.name).join(', ')}`, say, async (live) => {
    const outcomes = await huntSystems(systems, { setup, faults: flags.faults, seed: flags.seed, budgetS: flags.budget / systems.length, live }, flags);
    let broken = 0;
    for (const outcome of outcomes) {
      process.stdout.write(`\n${outcome.system.name}\n`);
      if (await saveAndPrint(outcome, flags)) broken++;
    }
    process.stdout.write(`\n${huntTable(outcomes)}\n`);
    return broken > 0 ? 1 : 0;
  });
}
