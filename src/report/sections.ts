/**
 * The comparison as format-neutral sections (title, headers, cells, tones). The table, markdown
 * and HTML formats all render these, so a column is defined once.
 */
import { FAILURE_GROUP_NAMES, FAILURE_GROUPS, type Tone } from '../outcomes.js';
import { shortId, type ComparisonRow } from './comparison.js';
import { int, ms } from './format.js';

export interface ComparisonSection {
  title: string;
  headers: string[];
  cells: string[][];
  tones: Array<Array<Tone | undefined>>;
}

interface Column {
  header: string;
  cell: (row: ComparisonRow) => string;
  tone?: (row: ComparisonRow) => Tone | undefined;
}

const percent = (x: number) => (x === 0 ? '0' : x < 0.0001 ? '<0.01%' : `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`);
const badIfPositive = (pick: (r: ComparisonRow) => number) => (r: ComparisonRow) => (pick(r) > 0 ? ('bad' as const) : undefined);

/** PASS / FAIL where integrity is promised, the expected failure where it is not; over repeats, which runs. */
export function verdictCell(r: ComparisonRow): string {
  const { verdict } = r.integrity;
  const unseen = r.faults.length === 0 || r.promise === 'none' ? 'pass (race not seen)' : r.lockBroken ? 'pass (lock broke, data kept)' : 'pass (fault had no effect)';
  const text = r.expected ? verdict.toUpperCase() : verdict === 'pass' ? unseen : 'fail (expected)';
  if (r.runs.length === 1) return text;
  const matching = r.runs.filter((run) => run.verdict === verdict);
  if (matching.length === r.runs.length) return `${text} (all ${r.runs.length} runs)`;
  return `${text} in ${matching.length} of ${r.runs.length} runs: ${matching.map((run) => shortId(run.id)).join(', ')}`;
}

/** The verdict is good when it is what the promise says it should be. */
export const verdictTone = (r: ComparisonRow): Tone => ((r.integrity.verdict === 'pass') === r.expected || (r.lockBroken && !r.expected) ? 'good' : 'bad');

const labelColumn: Column = { header: 'strategy', cell: (r) => r.key };

const integrityColumns: Column[] = [
  labelColumn,
  { header: 'promise', cell: (r) => r.promise },
  { header: 'expected left', cell: (r) => int(r.integrity.expectedRemaining) },
  { header: 'found', cell: (r) => int(r.integrity.found), tone: (r) => (r.integrity.found !== r.integrity.expectedRemaining ? 'bad' : undefined) },
  { header: 'lost', cell: (r) => int(r.integrity.lostDecrements), tone: badIfPositive((r) => r.integrity.lostDecrements) },
  { header: 'over', cell: (r) => int(r.integrity.overIssue), tone: badIfPositive((r) => r.integrity.overIssue) },
  { header: 'missing', cell: (r) => int(r.integrity.missingRows), tone: badIfPositive((r) => r.integrity.missingRows) },
  { header: 'unconfirmed', cell: (r) => int(r.integrity.unexplainedRows), tone: badIfPositive((r) => r.integrity.unexplainedRows) },
  {
    header: 'by user',
    cell: (r) =>
      !r.identityChecked ? '—' : r.integrity.lostIssues + r.integrity.unexpectedIssues === 0 ? 'ok' : `${int(r.integrity.lostIssues)} lost, ${int(r.integrity.unexpectedIssues)} unexp.`,
    tone: badIfPositive((r) => r.integrity.lostIssues + r.integrity.unexpectedIssues),
  },
  { header: 'dups', cell: (r) => int(r.integrity.duplicates), tone: badIfPositive((r) => r.integrity.duplicates) },
  { header: 'disagree', cell: (r) => int(r.integrity.disagreements), tone: badIfPositive((r) => r.integrity.disagreements) },
  { header: 'verdict', cell: verdictCell, tone: verdictTone },
];

function throughputColumns(rows: ComparisonRow[], baseline?: ComparisonRow): Column[] {
  const spread = (pair: [number, number] | undefined, f: (x: number) => string) => (pair ? ` (${f(pair[0])}–${f(pair[1])})` : '');
  const cols: Column[] = [
    labelColumn,
    { header: 'req/s', cell: (r) => int(r.throughput.rate) + spread(r.spread?.rate, int) },
    { header: 'issued/s (sale)', cell: (r) => int(r.throughput.issuedRate) },
    ...(rows.some((r) => r.efficiency)
      ? [{ header: 'of ceiling', cell: (r: ComparisonRow) => (r.efficiency ? `${r.efficiency.value.toFixed(2)} of ${int(r.efficiency.ceiling)}` : '—') }]
      : []),
    ...(rows.some((r) => r.throughput.perMachineCpuS !== undefined)
      ? [
          { header: 'issued per db cpu-s', cell: (r: ComparisonRow) => (r.throughput.perStoreCpuS === undefined ? '—' : int(r.throughput.perStoreCpuS)) },
          { header: 'issued per cpu-s', cell: (r: ComparisonRow) => (r.throughput.perMachineCpuS === undefined ? '—' : int(r.throughput.perMachineCpuS)) },
        ]
      : []),
    { header: 'sold out at', cell: (r) => (r.fairness.soldOutAtS === null ? '—' : `${r.fairness.soldOutAtS.toFixed(1)}s`) },
    { header: 'p50', cell: (r) => ms(r.throughput.p50) },
    { header: 'p95', cell: (r) => ms(r.throughput.p95) + spread(r.spread?.p95, ms) },
    { header: 'p99', cell: (r) => ms(r.throughput.p99) },
    { header: 'max', cell: (r) => ms(r.throughput.max) },
    ...(rows.some((r) => r.throughput.dropped !== undefined)
      ? [
          { header: 'p95 from intended', cell: (r: ComparisonRow) => (r.throughput.p95FromIntended === undefined ? '—' : ms(r.throughput.p95FromIntended)) },
          { header: 'dropped', cell: (r: ComparisonRow) => (r.throughput.dropped === undefined ? '—' : int(r.throughput.dropped)), tone: badIfPositive((r) => r.throughput.dropped ?? 0) },
        ]
      : []),
    // One column per failure group; `unexpected` only when some row has any.
    ...FAILURE_GROUP_NAMES.filter((g) => g !== 'unexpected' || rows.some((r) => r.failures[g] > 0)).map(
      (g): Column => ({ header: FAILURE_GROUPS[g].header, cell: (r) => percent(r.failures[g]), tone: badIfPositive((r) => r.failures[g]) }),
    ),
  ];
  if (baseline) {
    const delta = (now: number, base: number) => (base === 0 ? '—' : `${now >= base ? '+' : ''}${(((now - base) / base) * 100).toFixed(1)}%`);
    cols.push(
      { header: 'Δ req/s', cell: (r) => delta(r.throughput.rate, baseline.throughput.rate) },
      { header: 'Δ p95', cell: (r) => delta(r.throughput.p95, baseline.throughput.p95) },
    );
  }
  return cols;
}

const fairnessColumns: Column[] = [
  labelColumn,
  { header: 'sold out', cell: (r) => (r.fairness.soldOut ? 'yes' : 'no') },
  { header: 'winners who asked early', cell: (r) => percent(r.fairness.earlyWinnerShare) },
  { header: 'early askers left empty', cell: (r) => int(r.fairness.earlyEmptyHanded) },
  { header: 'Kendall tau (ask vs issue order)', cell: (r) => (r.fairness.kendallTau === null ? '—' : r.fairness.kendallTau.toFixed(3)) },
];

/** The worst figure of a row's audit, in a few words ("12 lost", "3 over"), or '' when clean. */
function violationSummary(r: ComparisonRow): string {
  const i = r.integrity;
  const found: Array<[number, string]> = [
    [i.lostDecrements, 'lost'],
    [i.overIssue, 'over'],
    [i.missingRows, 'missing'],
    [i.lostIssues + i.unexpectedIssues, 'by user'],
    [i.duplicates, 'dups'],
    [i.disagreements, 'disagree'],
  ];
  return found.filter(([n]) => n > 0).map(([n, label]) => `${int(n)} ${label}`).join(', ');
}

/** Under a fault a strategy does not survive: in how many runs the data broke (and how badly), and the lock. */
function faultEffect(r: ComparisonRow): string {
  const n = r.runs.length;
  const broke = r.runs.filter((run) => run.verdict === 'fail');
  const worst = Math.max(0, ...r.runs.map((run) => run.lost));
  const over = Math.max(0, ...r.runs.map((run) => run.over));
  const locks = r.runs.filter((run) => run.lockBroken).length;
  const what = worst > 0 ? `up to ${int(worst)} lost${over > 0 ? `, ${int(over)} over` : ''}` : violationSummary(r);
  const data = `data broke in ${broke.length} of ${n}${what ? ` (${what})` : ''}`;
  return locks > 0 ? `${data}; lock broke in ${locks} of ${n}` : data;
}

/** Strategy × fault: the verdict of each (and what broke), one row per strategy. */
function faultSection(rows: ComparisonRow[]): ComparisonSection | undefined {
  const faulted = rows.filter((r) => r.faults.length > 0);
  if (faulted.length === 0) return undefined;
  const kinds = [...new Set(rows.map((r) => r.faults.join(' + ')))];
  // A row's label without its faults: the strategy, its instance count where it matters, `(fenced)`.
  const base = (r: ComparisonRow) => r.key.split(' + ')[0]!;
  const strategies = [...new Set(rows.map(base))];
  const cellOf = (strategy: string, kind: string) => rows.find((r) => base(r) === strategy && r.faults.join(' + ') === kind);
  return {
    title: 'under faults (verdict, and what broke)',
    headers: ['strategy', ...kinds.map((k) => k || 'no fault')],
    cells: strategies.map((s) => [s, ...kinds.map((k) => {
      const r = cellOf(s, k);
      if (!r) return '—';
      if (r.expected || r.faults.length === 0) {
        const broke = violationSummary(r);
        const locks = r.runs.filter((run) => run.lockBroken).length;
        const held = r.runs.filter((run) => run.lockBroken && run.verdict === 'pass').length === locks ? ', the data held' : '';
        return `${verdictCell(r)}${broke ? `: ${broke}` : ''}${locks > 0 ? `; lock broke in ${locks} of ${r.runs.length}${held}` : ''}`;
      }
      return faultEffect(r);
    })]),
    tones: strategies.map((s) => [undefined, ...kinds.map((k) => {
      const r = cellOf(s, k);
      if (r && !r.expected && r.faults.length > 0) return r.runs.every((run) => run.verdict === 'fail' || run.lockBroken) ? 'good' : 'bad';
      return r ? verdictTone(r) : undefined;
    })]),
  };
}

/** The p95 of each row split into its phases, and the CPU of each component: who limited the run. */
function timeSection(rows: ComparisonRow[]): ComparisonSection | undefined {
  if (rows.every((r) => !r.time.breakdown && !r.time.cpu)) return undefined;
  return {
    title: 'where the time goes (sale phase; cpu in % of one core)',
    headers: ['strategy', 'p95 request', 'cpu'],
    cells: rows.map((r) => [r.key, r.time.breakdown ?? '—', [r.time.cpu ?? '—', ...r.time.limits].join('; ')]),
    tones: rows.map((r) => [undefined, undefined, r.time.limits.length > 0 ? 'warn' : undefined]),
  };
}

/**
 * What each row ran with: one column per setting any row has, `—` where a row's strategy does not
 * read it (a lease on mysql-atomic). The settings that differ between rows are what their labels name.
 */
function settingsSection(rows: ComparisonRow[]): ComparisonSection | undefined {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.settings)))];
  if (names.length === 0) return undefined;
  const valueOf = (r: ComparisonRow, name: string): string | undefined => r.settings[name];
  const differs = new Set(names.filter((name) => new Set(rows.map((r) => valueOf(r, name) ?? '—')).size > 1));
  return {
    title: 'settings (what each row ran with)',
    headers: ['strategy', ...names],
    cells: rows.map((r) => [r.key, ...names.map((name) => valueOf(r, name) ?? '—')]),
    tones: rows.map(() => [undefined, ...names.map((name) => (differs.has(name) ? ('warn' as const) : undefined))]),
  };
}

export function comparisonSections(rows: ComparisonRow[], baseline?: ComparisonRow): ComparisonSection[] {
  const sections: Array<[string, Column[]]> = [
    ['integrity', integrityColumns],
    ['throughput (issued/s and percentiles: sale phase) and failures (share of requests)', throughputColumns(rows, baseline)],
    ['fairness', fairnessColumns],
  ];
  const settings = settingsSection(rows);
  const faults = faultSection(rows);
  const time = timeSection(rows);
  return [
    ...(settings ? [settings] : []),
    ...(faults ? [faults] : []),
    ...sections.map(([title, columns]) => ({
      title,
      headers: columns.map((c) => c.header),
      cells: rows.map((r) => columns.map((c) => c.cell(r))),
      tones: rows.map((r) => columns.map((c) => c.tone?.(r))),
    })),
    ...(time ? [time] : []),
  ];
}
