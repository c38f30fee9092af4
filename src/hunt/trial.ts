/**
 * A real try: one short run of the system under test with the trial's faults and load, through
 * the one sequence (runSystem) and its audit, read back as what the search steers by.
 */
import type { RunConfig } from '../config.js';
import { notActed } from '../faults/spec.js';
import { lockFailures } from '../report/comparison.js';
import type { Report } from '../report/schema.js';
import type { Trial, TrialResult } from './types.js';

/** The run configuration of a try: the base with the trial's faults, as constant VUs for its duration. */
export function trialConfig(base: RunConfig, trial: Trial): RunConfig {
  const { arrival: _, ...scenario } = base.scenario;
  return {
    ...base,
    scenario: { ...scenario, executor: 'ramping-vus', startVUs: trial.load.vus, stages: [{ duration: trial.load.durationS, target: trial.load.vus }], faults: trial.faults },
  };
}

/** What a try's report shows: the break, and the leads (the lock changing hands, requests slowed while a fault was on, unknown outcomes). */
export function trialResult(report: Report): TrialResult {
  const a = report.audit;
  const broke = a.verdict === 'fail';
  return {
    broke,
    ...(broke ? { broken: a.violations.map((v) => v.kind.replace(/_/g, ' ')).join(', ') || 'integrity' } : {}),
    lockBroken: lockFailures(report).length > 0,
    slowdown: slowdownUnderFaults(report),
    unknown: report.load.outcomes.classes.unknown,
    failed: report.load.outcomes.failed,
    notActed: report.faults.some((f) => f.events.some(notActed)),
    evidence: { witnesses: report.witnesses, faults: report.faults },
  };
}

/** The p95 of the seconds a fault was on over the p95 of the others, from the per-second series (1 when either is empty). */
export function slowdownUnderFaults(report: Pick<Report, 'series' | 'faults'>): number {
  const on = (second: number) => report.faults.some((f) => second + 1 > f.startS && second < Math.max(f.endS, f.startS + 1));
  const median = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!);
  const withAnswers = report.series.filter((p) => p.responses > 0);
  const during = median(withAnswers.filter((p) => on(p.second)).map((p) => p.p95));
  const outside = median(withAnswers.filter((p) => !on(p.second)).map((p) => p.p95));
  return during > 0 && outside > 0 ? during / outside : 1;
}
