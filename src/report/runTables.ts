import chalk from 'chalk';
import Table from 'cli-table3';
import { describeShape } from '../config.js';
import { cpuLimits } from '../cpu.js';
import { cpuCost, costLine } from './cpuCost.js';
import { phaseLabel, TOTAL_PHASE } from '../serverTiming.js';
import { formatDuration } from '../duration.js';
import { describeFaultEvent, faultFlag, faultLabel } from '../faults/spec.js';
import { CLIENT_ENDINGS, FAILURE_GROUP_NAMES, toneOf } from '../outcomes.js';
import { rowKey } from './comparison.js';
import { knobSettings } from './configuration.js';
import { connErrorCodes, int, ms, pct, rate } from './format.js';
import { paint } from './paint.js';
import { efficiency, type Report } from './schema.js';
import { breakdownLine, cpuLine } from './whereTimeGoes.js';
import { witnessLines } from './witnessText.js';

const plain = {
  head: [],
  style: { head: [], border: [] },
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
};

function heading(report: Report): string {
  const c = report.config;
  return [
    chalk.bold(`couponbench · ${rowKey(report)}`) +
      chalk.dim(` (promises integrity: ${c.promise}${c.scenario.faults.length > 0 ? `; survives: ${c.survives.join(', ') || 'no faults'}` : ''})`),
    chalk.dim(
      `scenario ${c.scenario.name}: ${int(c.scenario.quantity)} units, ${describeShape(c.scenario)}${c.scenario.arrival ? '' : `, think ${formatDuration(c.scenario.thinkTime)}`}, ` +
        `${int(c.scenario.userPool)} users${c.scenario.onePerUser ? ', one per user' : ''}` +
        (c.scenario.faults.length > 0 ? `, faults ${c.scenario.faults.map(faultFlag).join(' ')}` : ''),
    ),
    chalk.dim(
      c.target
        ? `target: ${c.target.url} (${c.target.file}) · ${report.environment.database} · Redis ${report.environment.redisVersion}`
        : `server: ${c.instances} instances × pool ${c.poolSize} · infra ${c.infra} · ${report.environment.database} · Redis ${report.environment.redisVersion}` +
            knobLine(report),
    ),
  ].join('\n');
}

/** The knobs the strategy reads, as set for this run (` · lease 30s, lock wait 10s`); none for a strategy that reads none. */
function knobLine(report: Report): string {
  const knobs = knobSettings(report);
  return knobs.length > 0 ? ` · ${knobs.map(([name, value]) => `${name} ${value}`).join(', ')}` : '';
}

/** The SQL database's version as the header says it: PostgreSQL names itself, MySQL and MariaDB do not. */

/** k6-style end-of-test summary of what the clients saw. */
export function loadTable(report: Report): string {
  const l = report.load;
  const t = new Table({ ...plain, colWidths: [20, 76], wordWrap: true });
  const lat = l.latency;
  const byStatus = Object.entries(l.statusCounts).map(([s, n]) => `${s}: ${int(n)}`).join('  ') || '—';
  const byObservation = Object.entries(l.results)
    .sort((a, b) => b[1] - a[1])
    .map(([observation, n]) => `${paint(observation, toneOf(observation))} ${int(n)}`)
    .join('  ');
  const o = l.outcomes;
  const byGroup = FAILURE_GROUP_NAMES.filter((g) => o.failures[g] > 0).map((g) => `${g} ${pct(o.failures[g], l.requests)}`).join('  ') || 'none';
  const count = (observation: string) => int(l.results[observation] ?? 0);
  t.push(
    ['http_reqs', `${int(l.requests)}  ${rate(l.rate)}`],
    ['issued', `${int(l.issued)}  ${rate(l.issuedRate)} over the run`],
    ...phaseRows(l),
    ...efficiencyRow(report),
    ...persistenceRow(report),
    ['http_req_duration', `avg=${ms(lat.avg)} min=${ms(lat.min)} med=${ms(lat.med)} p(90)=${ms(lat.p90)} p(95)=${ms(lat.p95)} p(99)=${ms(lat.p99)} max=${ms(lat.max)}`],
    ...openModelRows(l),
    ['http_req_failed', `${pct(o.failed, l.requests)}  ${int(o.failed)} of ${int(l.requests)} (5xx, timeouts, connection errors)`],
    ['unserved', `${pct(o.unserved, l.requests)}  ${int(o.unserved)} (http_req_failed + lock timeouts, retries exhausted)`],
    ['failures', byGroup],
    ['status', byStatus],
    ['results', byObservation],
    ['outcomes', `success ${int(o.classes.success)}  refusal ${int(o.classes.refusal)}  failure ${int(o.classes.failure)}  unknown ${int(o.classes.unknown)}`],
    ['client errors', `timeouts ${count(CLIENT_ENDINGS.timeout)}  connection ${count(CLIENT_ENDINGS.connError)}${connErrorCodes(l.connErrors)}  interrupted ${count(CLIENT_ENDINGS.interrupted)}`],
    ['releases failed', releaseFailures(report)],
    ['vus', `peak ${int(l.peakVUs)}  distinct users ${int(l.distinctUsers)}  duration ${l.durationS.toFixed(1)}s`],
    ...workerRows(l),
  );
  return t.toString();
}

/** A driver on several threads: each worker's requests, and its thread's CPU (of one core, and per request). */
function workerRows(l: Report['load']): string[][] {
  if (!l.workers) return [];
  const cpu = (w: NonNullable<Report['load']['workers']>[number]) =>
    w.cpuPercent === null ? '' : `, cpu ${w.cpuPercent.toFixed(0)}%${w.cpuUsPerRequest === null ? '' : ` (${w.cpuUsPerRequest.toFixed(0)} µs/req)`}`;
  return [['driver workers', l.workers.map((w) => `#${w.worker} ${int(w.requests)} req${cpu(w)}`).join('  ')]];
}

/** The open model's own figures: what it could not start, and latency as the arrivals saw it. */
function openModelRows(l: Report['load']): string[][] {
  if (l.droppedIterations === undefined || !l.latencyFromIntended) return [];
  const lat = l.latencyFromIntended;
  return [
    ['  from intended', `avg=${ms(lat.avg)} med=${ms(lat.med)} p(90)=${ms(lat.p90)} p(95)=${ms(lat.p95)} p(99)=${ms(lat.p99)} max=${ms(lat.max)}  (corrected for coordinated omission)`],
    ['dropped_iterations', l.droppedIterations > 0 ? chalk.yellow(`${int(l.droppedIterations)} (due when every VU was busy and maxVUs was reached)`) : '0'],
  ];
}

/** Sale and sold-out phases: the run's figures mean little once cheap "sold out" answers dominate. */
function phaseRows(l: Report['load']): string[][] {
  const p = l.phases;
  if (!p) return [];
  const line = (ph: NonNullable<typeof p.soldOut>) =>
    `${ph.startS.toFixed(1)}-${ph.endS.toFixed(1)}s  issued ${int(ph.issued)} ${rate(ph.issuedRate)}  reqs ${rate(ph.rate)}  p50=${ms(ph.p50)} p95=${ms(ph.p95)} p99=${ms(ph.p99)}` +
    (ph.p95FromIntended === undefined ? '' : `  p95 from intended=${ms(ph.p95FromIntended)}`);
  return [
    ['sale phase', `${line(p.sale)}${p.soldOutAtS === null ? '  (never sold out)' : ''}`],
    ...(p.soldOut ? [['sold-out phase', `${line(p.soldOut)}  (sold out at ${p.soldOutAtS!.toFixed(1)}s)`]] : []),
  ];
}

/** A write-behind strategy's queue: how long winners waited to reach MySQL, and whether they all did. */
function persistenceRow(report: Report): string[][] {
  const p = report.persistence;
  if (!p) return [];
  const state = p.drained ? `all ${int(p.persisted)} winners in MySQL ${(p.settleMs / 1000).toFixed(1)}s after the load` : chalk.red(`${int(p.claimed - p.persisted)} of ${int(p.claimed)} winners not in MySQL after ${(p.settleMs / 1000).toFixed(1)}s`);
  return [['write-behind', `${state}; lag to commit p50=${ms(p.lagP50Ms)} p95=${ms(p.lagP95Ms)} max=${ms(p.lagMaxMs)}; at most ${int(p.maxWaiting)} waiting`]];
}

/** How much of what the database could do on the hot row the whole stack delivered. */
function efficiencyRow(report: Report): string[][] {
  const e = efficiency(report);
  if (!e) return [];
  return [['efficiency', `${e.value.toFixed(2)} of the ${e.shape} ceiling (${int(e.ceiling)} tx/s at ${report.calibration!.connections} connections, no HTTP)`]];
}

function releaseFailures(report: Report): string {
  const n = report.server.warnings.release_failed;
  return n > 0 ? chalk.red(`${int(n)} (the lock was no longer ours at release: its lease ran out mid-work)`) : '0';
}

/** The audit, one quantity per row, violations in red. */
export function integrityTable(report: Report): string {
  const a = report.audit;
  const t = new Table({ ...plain, colWidths: [28, 68], wordWrap: true });
  const bad = (x: number) => (x > 0 ? chalk.red(int(x)) : chalk.green(int(x)));
  const noRows = a.rows === null;
  const unchecked = chalk.dim('not checked: no issued records');
  const target = report.config.target;
  // Audited against a capacity, the stock is not read: it is what the capacity leaves (src/audit/integrity.ts).
  const capacity = a.capacity;
  t.push(
    ...(capacity !== null ? [['capacity (no stock number)', int(capacity)]] : []),
    [capacity !== null ? 'left before the load (Q0)' : 'initial quantity (Q0)', int(a.initialQuantity)],
    [target ? 'issued records (R)' : 'user_coupon rows (R)', a.rows === null ? chalk.dim('none kept by the service') : int(a.rows)],
    [noRows ? 'expected remaining Q0 - S' : 'expected remaining Q0 - R', int(a.expectedRemaining)],
    capacity !== null
      ? ['left after (capacity - R)', a.finalQuantity < 0 ? chalk.red(int(a.finalQuantity)) : int(a.finalQuantity)]
      : ['final quantity (Qf)', a.finalQuantity === a.expectedRemaining ? int(a.finalQuantity) : chalk.red(int(a.finalQuantity))],
    ...(a.codesHeldTwice > 0 ? [['codes held twice', bad(a.codesHeldTwice)]] : []),
    ['client successes (S)', int(a.clientIssued)],
    ['lost decrements', capacity !== null ? chalk.dim('not checked: no stock number') : bad(a.lostDecrements)],
    ['vanished units', bad(a.phantomDecrements)],
    ['over-issue', bad(a.overIssue)],
    ['negative stock', a.negativeStock ? chalk.red('yes') : chalk.green('no')],
    ['missing rows (S - R)', noRows ? unchecked : bad(a.missingRows)],
    ['unconfirmed rows (R - S)', noRows ? unchecked : a.unexplainedRows > 0 ? chalk.red(`${int(a.unconfirmedRows)}, ${int(a.unexplainedRows)} beyond the ${int(a.clientUnknown)} unknown outcomes`) : `${int(a.unconfirmedRows)} (unknown outcomes: ${int(a.clientUnknown)})`],
    ['by user (set check)', identityCell(a)],
    ['duplicate holders', !report.config.scenario.onePerUser ? chalk.dim('not limited') : a.notChecked.some((c) => c.startsWith('duplicate')) ? chalk.dim('not checked: records do not name users') : bad(a.duplicateRows)],
    ...(a.redis ? [['Redis stock / winners', `${a.redis.stock === null ? '—' : int(a.redis.stock)} / ${int(a.redis.winners)}`]] : []),
    ...a.probes.map((p) => [p.name, p.value === p.expected ? `${int(p.value)} (= ${p.equals === 'quantity' ? 'final stock' : 'issued count'})` : chalk.red(`${int(p.value)}, but the ${p.equals === 'quantity' ? 'final stock' : 'issued count'} is ${int(p.expected)}`)]),
    ['verdict', a.verdict === 'pass' ? chalk.green.bold('PASS') : chalk.red.bold('FAIL')],
  );
  const witness = witnessLines(report).map((line) => (line.startsWith(' ') ? line : chalk.red(line)));
  return [t.toString(), a.verdict === 'pass' ? chalk.green(a.explanation) : chalk.red(a.explanation), ...witness].join('\n');
}

function identityCell(a: Report['audit']): string {
  const id = a.identity;
  if (!id) return chalk.dim(a.rows === null ? 'not checked: no issued records' : 'not checked: records do not name users');
  const bad = (label: string, x: number) => (x > 0 ? chalk.red(`${label} ${int(x)}`) : `${label} 0`);
  return `ok ${int(id.ok)}  ${bad('lost', id.lost)}  ${bad('unexpected', id.unexpected)}  recovered ${int(id.recovered)}  unknown, not issued ${int(id.unknownNotIssued)}`;
}

/** Who got the coupons: the first Q askers, or whoever the lock happened to let in. */
export function fairnessTable(report: Report): string {
  const f = report.fairness;
  const t = new Table({ ...plain, colWidths: [28, 68], wordWrap: true });
  const by = Object.entries(f.earlyEmptyHandedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${int(n)}`)
    .join(', ');
  t.push(
    ['sold out', f.soldOut ? 'yes' : chalk.dim(`no (${int(report.audit.rows ?? report.audit.clientIssued)} of ${int(f.quantity)} issued; figures below are partial)`)],
    ['distinct askers', `${int(f.askers)} (early = first ${int(f.earlyAskers)} to ask)`],
    ['winners among early askers', `${int(f.earlyWinners)} of ${int(f.winners)} winners (${pct(f.earlyWinners, f.winners)})`],
    ['early askers left empty', `${int(f.earlyEmptyHanded)}${by ? `  (first told: ${by})` : ''}`],
    ['order kept (Kendall tau)', f.kendallTau === null ? chalk.dim(f.winners > 1 ? 'not known: the issued records come in no order' : '—') : `${f.kendallTau.toFixed(3)}  (${int(f.inversions)} winner pairs served out of asking order)`],
  );
  return t.toString();
}

/** The nemesis's timeline: each fault, when, on what, what happened, and how long until the next coupon. */
export function faultTimeline(report: Report): string {
  return report.faults
    .map((f) => {
      const when = `${f.startS.toFixed(2)}-${f.endS.toFixed(2)} s`;
      const liveness = f.livenessS === null ? chalk.red('no coupon issued after it') : `next coupon ${f.livenessS.toFixed(2)} s after`;
      return `${chalk.bold(faultLabel(f).padEnd(15))}${when.padEnd(16)}${f.target}: ${f.events.map(describeFaultEvent).join('; ')} · ${liveness}`;
    })
    .join('\n');
}

/** The run's "where the time goes" block: per-phase percentiles, the p95 line, CPU, and what limited it. */
function timeTable(report: Report): string | undefined {
  const b = report.load.breakdown;
  const cpu = report.cpu;
  if (!b && !cpu) return undefined;
  const t = new Table({ ...plain, colWidths: [20, 76], wordWrap: true });
  if (b) {
    for (const p of b.phases) {
      t.push([p.name === TOTAL_PHASE ? 'in server (total)' : phaseLabel(p.name), `p50=${ms(p.p50)} p95=${ms(p.p95)}  (${int(p.count)} responses)`]);
    }
    t.push(['p95 request', `${breakdownLine(b.p95)}  (${b.fromS.toFixed(1)}-${b.toS.toFixed(1)}s)`]);
  } else {
    t.push(['server timing', chalk.dim('none: the service sent no Server-Timing header')]);
  }
  if (cpu) {
    t.push([`cpu (${cpu.cores} cores)`, `${cpuLine(cpu)}  (% of one core)`]);
    const cost = cpuCost(report.load.issued, cpu);
    if (cost.perMachineCpuS !== undefined) t.push(['issued per cpu-s', costLine(cost)]);
    for (const limit of cpuLimits(cpu)) t.push(['', chalk.yellow(limit)]);
  }
  return t.toString();
}

export function renderRun(report: Report): string {
  const time = timeTable(report);
  return [
    heading(report),
    '',
    chalk.bold('load'),
    loadTable(report),
    ...(time ? ['', chalk.bold('where the time goes (sale phase)'), time] : []),
    ...(report.faults.length > 0 ? ['', chalk.bold('faults'), faultTimeline(report)] : []),
    '',
    chalk.bold('integrity'),
    integrityTable(report),
    '',
    chalk.bold('fairness'),
    fairnessTable(report),
  ].join('\n');
}
