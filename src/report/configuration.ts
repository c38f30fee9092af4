/**
 * A run's configuration: everything in a report that can change its result, as named settings.
 * One home for "are these runs of the same thing": rows in compare, repeats merged by the gate
 * and "latest per configuration" are keyed by it, and a row's label says the settings that set
 * it apart from another row of the same strategy (`redis-spin lease 1s`). Nothing compares runs
 * by name alone.
 */
import { STRATEGY_KNOBS, type StrategyKnob } from '../../strategies/types.js';
import { UsageError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { faultFlag } from '../faults/spec.js';
import { int } from './format.js';
import type { Report } from './schema.js';

type Configured = Pick<Report, 'config' | 'environment'>;

/** How each knob is named where it is printed. */
const KNOB_NAMES: Record<StrategyKnob, string> = { lockLeaseMs: 'lease', lockWaitMs: 'lock wait', retryIntervalMs: 'retry every', maxRetries: 'retries' };

function knobValue(knob: StrategyKnob, value: number): string {
  return knob === 'maxRetries' ? String(value) : formatDuration(value / 1000);
}

/** The knobs this run's strategy reads (every knob where the report does not say). */
export function knobsOf(report: Pick<Report, 'config'>): StrategyKnob[] {
  return [...(report.config.knobs ?? STRATEGY_KNOBS)];
}

/** The strategy's knobs as printed (`lease 30s, lock wait 10s`), in a run header or a row label. */
export function knobSettings(report: Pick<Report, 'config'>): Array<[string, string]> {
  return knobsOf(report).map((k) => [KNOB_NAMES[k], knobValue(k, report.config.options[k])]);
}

/**
 * What the system under test was: settings that tell rows apart. Two reports of one strategy
 * that differ in any of them are two rows.
 */
export function systemSettings(report: Configured): Array<[string, string]> {
  const c = report.config;
  const settings: Array<[string, string]> = [];
  if (c.target) {
    settings.push(['file', c.target.sha256 ? c.target.sha256.slice(0, 12) : c.target.file]);
    if (c.target.command) settings.push(['command', c.target.command]);
  } else {
    settings.push(['pool', String(c.poolSize)], ...knobSettings(report));
    if (c.options.fencing) settings.push(['fencing', 'on']);
  }
  settings.push(['database', report.environment.database], ['instances', String(c.instances)], ['workers', c.workers === undefined ? 'auto' : String(c.workers)]);
  const faults = c.scenario.faults.map(faultFlag);
  if (faults.length > 0) settings.push(['faults', faults.join(' + ')]);
  return settings;
}

/** The load that was made: runs with different loads are not put side by side at all. */
export function loadSettings(report: Pick<Report, 'config'>): Array<[string, string]> {
  const s = report.config.scenario;
  const shape = s.arrival
    ? `${s.executor} from ${int(s.arrival.startRate)}/${formatDuration(s.arrival.timeUnit)} ${s.stages.map((st) => `${formatDuration(st.duration)}:${int(st.target)}`).join(',')} (VUs ${int(s.arrival.preAllocatedVUs)}-${int(s.arrival.maxVUs)})`
    : `${s.executor} from ${int(s.startVUs)} ${s.stages.map((st) => `${formatDuration(st.duration)}:${int(st.target)}`).join(',')}`;
  return [
    ['load', shape],
    ['quantity', int(s.quantity)],
    ['think', formatDuration(s.thinkTime)],
    ['users', int(s.userPool)],
    ['one per user', s.onePerUser ? 'yes' : 'no'],
    ['timeout', formatDuration(s.timeout)],
  ];
}

/** The key of a run's configuration: equal keys are runs of the same thing, under the same load. */
export function configurationKey(report: Configured): string {
  const { strategy, promise, strategyModule } = report.config;
  return JSON.stringify([strategy, strategyModule ?? '', promise, systemSettings(report), loadSettings(report)]);
}

/**
 * A label for each report that tells its configuration apart from the others shown with it: the
 * base label (`redis-spin`, `in-process ×2 + latency#mysql`), then the system settings in which
 * reports sharing that base differ (`redis-spin lease 1s`). Keyed by report id.
 */
export function configurationLabels<T extends Configured>(reports: T[], baseLabel: (report: T) => string, idOf: (report: T) => string): Map<string, string> {
  const labels = new Map<string, string>();
  const byBase = new Map<string, T[]>();
  for (const r of reports) byBase.set(baseLabel(r), [...(byBase.get(baseLabel(r)) ?? []), r]);
  for (const [base, group] of byBase) {
    const differing = differingNames(group.map(systemSettings));
    for (const r of group) {
      const own = systemSettings(r).filter(([name]) => differing.has(name));
      // The settings go after the strategy and before its faults (`redis-spin lease 1s + pause-holder`): the fault matrix groups rows by what precedes ` + `.
      const at = base.indexOf(' + ');
      const [head, tail] = at < 0 ? [base, ''] : [base.slice(0, at), base.slice(at)];
      labels.set(idOf(r), own.length > 0 ? `${head} ${own.map(([name, value]) => `${name} ${value}`).join(', ')}${tail}` : base);
    }
  }
  return labels;
}

function differingNames(all: Array<Array<[string, string]>>): Set<string> {
  const values = new Map<string, Set<string>>();
  for (const settings of all) {
    const seen = new Set<string>();
    for (const [name, value] of settings) {
      seen.add(name);
      values.set(name, (values.get(name) ?? new Set()).add(value));
    }
    for (const name of values.keys()) if (!seen.has(name)) values.get(name)!.add('(none)');
  }
  return new Set([...values].filter(([, v]) => v.size > 1).map(([name]) => name));
}

/**
 * Refuse to put runs of different loads side by side, saying each setting that differs on a line
 * of its own (`quantity: 500 in 2 reports, 1,000 in 1`).
 */
export function assertSameLoad(reports: Array<Pick<Report, 'config'>>): void {
  const all = reports.map(loadSettings);
  const differing = differingNames(all);
  if (differing.size === 0) return;
  const lines = [...differing].map((name) => {
    const counts = new Map<string, number>();
    for (const settings of all) {
      const value = settings.find(([n]) => n === name)?.[1] ?? '(none)';
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return `  ${name}: ${[...counts].map(([value, n]) => `${value} in ${n} report${n === 1 ? '' : 's'}`).join(', ')}`;
  });
  throw new UsageError(`these reports were made under different loads; compare runs of one load at a time:\n${lines.join('\n')}`);
}
