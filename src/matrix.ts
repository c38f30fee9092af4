/**
 * Several strategies or target services (and repeats), each run on fresh data: a new coupon on
 * one infrastructure start for strategies, the target file's reset steps for services.
 * Summarising them side by side is src/report/'s job.
 */
import { UsageError } from './errors.js';
import { faultLabel, type FaultSpec } from './faults/spec.js';
import type { InfraRequest } from './infra/index.js';
import type { Report } from './report/schema.js';
import type { RunEvent } from './timeline/events.js';
import type { StrategyRef } from '../strategies/index.js';
import { bringUpInfra, calibrateFor, faultOutOfReach, preflight, runOnInfra, runSystem, type RunConfig, type RunHooks } from './run.js';
import type { LoadedTarget } from './service/file.js';
import { serviceOffer, serviceSystem, targetConfig } from './system/service.js';
import { faultRefusal } from './faults/capabilities.js';

type Base = Omit<RunConfig, 'strategy' | 'strategyModule'>;
type OnReport = (r: Report) => Promise<void>;

export interface MatrixRequest {
  strategies: StrategyRef[];
  repeat: number;
  base: Base;
  /** Each strategy runs once per entry (`matrix --faults`); absent: once, with the scenario's own faults. */
  faultSets?: FaultSpec[][];
  /** Measure the hot-row ceiling once before the runs, for each report's efficiency. */
  calibrate: boolean;
}

/** Runs every strategy (under every fault set) `repeat` times; returns the reports grouped by row. */
export async function runMatrix(infraRequest: InfraRequest, m: MatrixRequest, hooks: RunHooks, onReport: OnReport): Promise<Report[][]> {
  const faultSets = m.faultSets ?? [m.base.scenario.faults];
  for (const faults of faultSets) await preflight(infraRequest, { ...m.base, scenario: { ...m.base.scenario, faults } }, m.strategies);
  const infra = await bringUpInfra(infraRequest, hooks);
  const calibration = m.calibrate ? await calibrateFor(infra, m.base, hooks) : undefined;
  const runnable = faultSets.filter((faults) => {
    const out = faultOutOfReach(infra, faults, m.base);
    if (out) hooks.onEvent?.({ type: 'matrix-skip', fault: faultLabel(out.spec), reason: out.reason });
    return !out;
  });
  const items = m.strategies.flatMap((ref) => runnable.map((faults) => ({ ref, faults })));
  const label = ({ ref, faults }: (typeof items)[number]) => `${ref.strategy}${faults.length > 0 ? ` + ${faults.map(faultLabel).join(' + ')}` : ''}`;
  return repeatEach(items, m.repeat, label, ({ ref, faults }, k) => runOnInfra(infra, { ...m.base, ...ref, scenario: { ...m.base.scenario, faults }, seed: m.base.seed + k }, hooks, 0, calibration), hooks, onReport);
}

export interface TargetMatrixRequest {
  targets: LoadedTarget[];
  repeat: number;
  base: Base;
  /** Each service runs once per entry it can take (`matrix --faults`); absent: once, with the scenario's own faults. */
  faultSets?: FaultSpec[][];
}

/**
 * Which service runs under which fault set: a set with a fault the service cannot take (a link
 * it does not declare, a process fault on a service it did not start) is skipped for that
 * service, with a note. Known before anything starts.
 */
export function targetRuns(m: TargetMatrixRequest, onEvent: (event: RunEvent) => void): Array<{ target: LoadedTarget; faults: FaultSpec[] }> {
  const faultSets = m.faultSets ?? [m.base.scenario.faults];
  const runs = m.targets.flatMap((target) =>
    faultSets.flatMap((faults) => {
      const problem = faults.map((f) => faultRefusal(f, serviceOffer(target.target))).find(Boolean);
      if (problem) onEvent({ type: 'matrix-skip', fault: faults.map(faultLabel).join(' + '), target: target.target.name, reason: problem });
      return problem ? [] : [{ target, faults }];
    }),
  );
  if (runs.length === 0) throw new UsageError('matrix: none of the faults can act on any of the targets (see the notes above)');
  return runs;
}

/** Runs every target service (under every fault set it can take) `repeat` times, each run after its reset steps. */
export function runTargetMatrix(runs: ReturnType<typeof targetRuns>, m: Pick<TargetMatrixRequest, 'repeat' | 'base'>, hooks: RunHooks, onReport: OnReport): Promise<Report[][]> {
  const label = ({ target, faults }: (typeof runs)[number]) => `${target.target.name}${faults.length > 0 ? ` + ${faults.map(faultLabel).join(' + ')}` : ''}`;
  return repeatEach(runs, m.repeat, label, ({ target, faults }, k) => {
    const config = { ...targetConfig(target, m.base), scenario: { ...m.base.scenario, faults }, seed: m.base.seed + k };
    return runSystem(serviceSystem(target, config), config, hooks);
  }, hooks, onReport);
}

async function repeatEach<T>(items: T[], repeat: number, label: (item: T) => string, run: (item: T, repetition: number) => Promise<Report>, hooks: RunHooks, onReport: OnReport): Promise<Report[][]> {
  const all: Report[][] = [];
  for (const item of items) {
    const runs: Report[] = [];
    for (let k = 0; k < repeat; k++) {
      hooks.onEvent?.({ type: 'matrix-item', label: label(item), run: k + 1, of: repeat });
      const report = await run(item, k);
      await onReport(report);
      runs.push(report);
    }
    all.push(runs);
  }
  return all;
}
