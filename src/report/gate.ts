import { ExitCode } from '../errors.js';
import { CLIENT_ENDINGS } from '../outcomes.js';
import { connErrorCodes, int } from './format.js';
import { writtenOrigin } from '../service/template.js';
import { faultLabelsRun, faultsRun, lockFailures, promisesIntegrity } from './comparison.js';
import { configurationKey } from './configuration.js';
import { describeFaultEvent, faultLabel, notActed } from '../faults/spec.js';
import { combinable, combineRepeats } from './repeats.js';
import type { Report } from './schema.js';
import { checkThreshold, metricUnit, type Threshold, type ThresholdCheck } from './thresholds.js';

/**
 * `lock-broken`: under a fault the strategy does not survive, the data happened to come through,
 * but the harness saw the lock itself fail (a second holder while the first was frozen, or a
 * release that found the lock gone): the fault had its effect, so the run proves what it should.
 */
export type IntegrityGate = 'kept' | 'violated' | 'violation-expected' | 'lock-broken' | 'race-not-reproduced' | ProvesNothing['integrity'];

/** How the gate judges, beyond thresholds. */
export interface Judgement {
  /** A run that issued nothing while stock remained may pass (a test of refusals only). */
  allowNoIssue?: boolean;
}

/** A run that keeps integrity only because nothing it claims to test happened. */
export interface ProvesNothing {
  integrity: 'nothing-served' | 'nothing-issued' | 'fault-not-run';
  /** What happened instead ("nothing was issued; stock 50 left ..."). */
  fact: string;
  /** Why that proves nothing, and what to do. */
  consequence: string;
}


export interface GateResult {
  strategy: string;
  file?: string;
  integrity: IntegrityGate;
  message: string;
  thresholds: ThresholdCheck[];
  passed: boolean;
  /** Runs of one configuration judged together: integrity run by run, thresholds on their merged figures. */
  runs?: number;
}

/**
 * The CI gate. A strategy that promises integrity in this configuration must keep it. One that
 * promises none (`none`, `in-process` on several instances) must be seen to break it: if the
 * audit finds nothing, the harness did not reproduce the race it claims to catch, and the gate
 * fails rather than pass a test that could not fail.
 */
export function gateReport(report: Report, thresholds: Threshold[], file?: string, judgement: Judgement = {}): GateResult {
  const strategy = report.config.strategy;
  const { instances, target } = report.config;
  const faults = faultsRun(report);
  const under = faults.length > 0 ? ` under ${faultLabelsRun(report).join(' + ')}` : '';
  const where = (target ? `at ${writtenOrigin(target.url)}` : `on ${instances} instance${instances === 1 ? '' : 's'}`) + under;
  let integrity: IntegrityGate;
  let message: string;
  const hollow = provesNothing(report, judgement);
  if (hollow?.integrity === 'nothing-served') {
    integrity = 'nothing-served';
    message = `${hollow.fact} ${where}: ${hollow.consequence}`;
  } else if (promisesIntegrity(report)) {
    integrity = report.audit.verdict === 'pass' ? 'kept' : 'violated';
    message =
      integrity === 'kept'
        ? `${strategy} kept integrity ${where}: ${report.audit.explanation}`
        : `${strategy} promises integrity ${where} but broke it: ${report.audit.explanation}`;
  } else {
    const broken = faults.length > 0 ? lockFailures(report) : [];
    integrity = report.audit.verdict === 'fail' ? 'violation-expected' : broken.length > 0 ? 'lock-broken' : 'race-not-reproduced';
    message =
      integrity === 'violation-expected'
        ? `${strategy} promises no integrity ${where}, and the race was reproduced: ${report.audit.explanation}`
        : integrity === 'lock-broken'
          ? `${strategy} promises no integrity ${where}, and the lock broke (${broken.join('; ')}); the data came through this time: ${report.audit.explanation}`
          : faults.length > 0 && report.config.promise !== 'none' && !faults.every((k) => report.config.survives.includes(k))
          ? `the fault had no effect: ${strategy} promises no integrity ${where}, yet the audit found no violation ` +
            `(${report.load.requests} requests); a fault run that sees nothing proves nothing (a longer pause, a shorter lease?)`
          : `the race was not reproduced: ${strategy} promises no integrity ${where}, yet the audit found no violation ` +
            `(${report.load.requests} requests from at most ${report.load.peakVUs} VUs); the scenario is too gentle to prove the harness can see a broken lock`;
  }
  // A pass, or a failure to reproduce, while nothing was issued or a fault never acted, says why it proves nothing.
  if (hollow && hollow.integrity !== 'nothing-served' && (integrity === 'kept' || integrity === 'lock-broken' || integrity === 'race-not-reproduced')) {
    integrity = hollow.integrity;
    message = `${hollow.fact} ${where}: ${hollow.consequence}`;
  }
  const checks = thresholds.map((t) => checkThreshold(t, report));
  const integrityOk = integrity === 'kept' || integrity === 'violation-expected' || integrity === 'lock-broken';
  return { strategy, file, integrity, message, thresholds: checks, passed: integrityOk && checks.every((c) => c.ok) };
}

const GATE_FAILURES: IntegrityGate[] = ['violated', 'race-not-reproduced', 'nothing-served', 'nothing-issued', 'fault-not-run'];

/**
 * The gate over many reports. Runs of one configuration (the same scenario and comparison row:
 * `matrix --repeat`, or a folder of runs) are one result: every run must pass the integrity
 * gate, and thresholds are checked once, on the runs combined (histograms merged, counts added),
 * as k6 checks a threshold over the whole test. Reports older than HDR-encoded histograms are
 * judged one by one.
 */
export function gateReports(reports: Array<{ report: Report; file?: string }>, thresholds: Threshold[], judgement: Judgement = {}): GateResult[] {
  const groups = new Map<string, Array<{ report: Report; file?: string }>>();
  for (const r of reports) {
    const key = configurationKey(r.report);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].flatMap((runs) => {
    if (runs.length === 1 || !combinable(runs.map((r) => r.report))) return runs.map((r) => gateReport(r.report, thresholds, r.file, judgement));
    const each = runs.map((r) => gateReport(r.report, [], r.file, judgement));
    const failing = each.findIndex((g) => GATE_FAILURES.includes(g.integrity));
    const shown = each[Math.max(failing, 0)]!;
    const combined = combineRepeats(runs.map((r) => r.report));
    const checks = thresholds.map((t) => checkThreshold(t, combined));
    const which = failing >= 0 ? `run ${failing + 1} of ${runs.length}` : `each of ${runs.length} runs`;
    return [{ ...shown, file: undefined, runs: runs.length, message: `${which}: ${shown.message}`, thresholds: checks, passed: failing < 0 && checks.every((c) => c.ok) }];
  });
}

/** How each client observation that is neither a coupon nor a refusal is said in a count. */
function describeEnding(observation: string, n: number, report: Report): string {
  const plural = n === 1 ? '' : 's';
  if (observation === CLIENT_ENDINGS.connError) return `${int(n)} connection error${plural}${connErrorCodes(report.load.connErrors)}`;
  if (observation === CLIENT_ENDINGS.timeout) return `${int(n)} client timeout${plural}`;
  if (observation === CLIENT_ENDINGS.interrupted) return `${int(n)} interrupted`;
  const status = /^http_(\d{3})$/.exec(observation);
  if (status) return `${int(n)} HTTP ${status[1]} answer${plural} outside the contract`;
  return `${int(n)} ${observation}`;
}

/**
 * Why a run served nothing the audit can judge, or undefined when it did: no request got a
 * coupon or a refusal (none sent, or every one timed out, failed to connect, failed or was
 * answered outside the contract). Such a run keeps integrity only because nothing happened.
 */
export function nothingServed(report: Report): string | undefined {
  const { classes } = report.load.outcomes;
  if (classes.success + classes.refusal > 0) return undefined;
  if (report.load.requests === 0) return 'no request was sent';
  return `no request was served: ${answersOf(report)}`;
}

/** What the clients were told, most frequent first (`3,332 sold_out, 2 client timeouts`). */
function answersOf(report: Report): string {
  return Object.entries(report.load.results)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([observation, n]) => describeEnding(observation, n, report))
    .join(', ');
}

/**
 * Why a run proves nothing, or undefined: it served nothing; it issued nothing while stock
 * remained (a service answering only "sold out" or "already issued" keeps integrity vacuously);
 * or a fault it asked for never acted (it failed, or the load ended first), so the run says
 * nothing about that fault.
 */
export function provesNothing(report: Report, judgement: Judgement = {}): ProvesNothing | undefined {
  const unserved = nothingServed(report);
  if (unserved) return { integrity: 'nothing-served', fact: unserved, consequence: 'an audit of no answers proves nothing (check the URL, the timeout and the outcome rules)' };
  const missed = report.faults.filter((f) => f.events.some(notActed));
  if (missed.length > 0) {
    const said = missed.map((f) => `${faultLabel(f)} did not act (${f.events.filter(notActed).map(describeFaultEvent).join('; ')})`);
    return { integrity: 'fault-not-run', fact: said.join(', '), consequence: 'a run under a fault that never happened proves nothing about it' };
  }
  const { audit } = report;
  if (!judgement.allowNoIssue && audit.clientIssued === 0 && (audit.rows ?? 0) === 0 && audit.finalQuantity > 0) {
    return {
      integrity: 'nothing-issued',
      fact: `nothing was issued; stock ${int(audit.finalQuantity)} left (answers: ${answersOf(report)})`,
      consequence: 'an audit of no issues proves nothing (--allow-no-issue if refusals are what this run tests)',
    };
  }
  return undefined;
}

/** Integrity failures outrank threshold failures (like k6's 99 for thresholds). */
export function gateExitCode(results: GateResult[]): number {
  if (results.some((r) => GATE_FAILURES.includes(r.integrity))) return ExitCode.integrityFailed;
  if (results.some((r) => r.thresholds.some((t) => !t.ok))) return ExitCode.thresholdsFailed;
  return ExitCode.ok;
}

export function formatGate(results: GateResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.passed ? '✓' : '✗'} ${r.strategy}: ${r.message}`);
    for (const t of r.thresholds) {
      const unit = metricUnit(t.metric);
      const merged = r.runs ? `, ${r.runs} runs merged` : '';
      lines.push(`    ${t.ok ? '✓' : '✗'} ${t.expression}  (actual ${t.actual.toFixed(2)}${unit === '/s' ? '/s' : unit}${merged})`);
    }
  }
  const reports = (rs: GateResult[]) => rs.reduce((n, r) => n + (r.runs ?? 1), 0);
  const failed = reports(results.filter((r) => !r.passed));
  lines.push(failed === 0 ? `gate passed: ${reports(results)} report(s)` : `gate FAILED: ${failed} of ${reports(results)} report(s)`);
  return lines.join('\n');
}
