import chalk from 'chalk';
import Table from 'cli-table3';
import type { ComparisonRow } from './compare.js';
import { int, ms } from './format.js';

export type CompareFormat = 'table' | 'markdown' | 'json';

interface Column {
  header: string;
  cell: (row: ComparisonRow) => string;
  /** How to colour the cell. */
  tone?: (row: ComparisonRow) => Tone;
}

const percent = (x: number) => (x === 0 ? '0' : x < 0.0001 ? '<0.01%' : `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`);
const nonZeroBad = (pick: (r: ComparisonRow) => number) => (r: ComparisonRow) => (pick(r) > 0 ? 'bad' : undefined);

function verdictCell(r: ComparisonRow): string {
  const i = r.integrity;
  if (i.expected) return i.verdict === 'pass' ? 'PASS' : 'FAIL';
  return i.verdict === 'pass' ? 'pass (race not seen)' : 'fail (expected)';
}

const integrityColumns: Column[] = [
  { header: 'strategy', cell: (r) => r.strategy },
  { header: 'promise', cell: (r) => `${r.promise}${r.promise === 'single-instance' ? ` ×${r.instances}` : ''}` },
  { header: 'expected left', cell: (r) => int(r.integrity.expectedRemaining) },
  { header: 'found', cell: (r) => int(r.integrity.found), tone: (r) => (r.integrity.found !== r.integrity.expectedRemaining ? 'bad' : undefined) },
  { header: 'lost', cell: (r) => int(r.integrity.lostDecrements), tone: nonZeroBad((r) => r.integrity.lostDecrements) },
  { header: 'over', cell: (r) => int(r.integrity.overIssue), tone: nonZeroBad((r) => r.integrity.overIssue) },
  { header: 'missing', cell: (r) => int(r.integrity.missingRows), tone: nonZeroBad((r) => r.integrity.missingRows) },
  { header: 'dups', cell: (r) => int(r.integrity.duplicates), tone: nonZeroBad((r) => r.integrity.duplicates) },
  {
    header: 'verdict',
    cell: verdictCell,
    tone: (r) => ((r.integrity.verdict === 'pass') === r.integrity.expected ? 'good' : 'bad'),
  },
];

function throughputColumns(baseline?: ComparisonRow): Column[] {
  const cols: Column[] = [
    { header: 'strategy', cell: (r) => r.strategy },
    { header: 'req/s', cell: (r) => int(r.throughput.rate) + (r.spread ? ` (${int(r.spread.rate[0])}–${int(r.spread.rate[1])})` : '') },
    { header: 'issued/s', cell: (r) => int(r.throughput.issuedRate) },
    { header: 'p50', cell: (r) => ms(r.throughput.p50) },
    { header: 'p95', cell: (r) => ms(r.throughput.p95) + (r.spread ? ` (${ms(r.spread.p95[0])}–${ms(r.spread.p95[1])})` : '') },
    { header: 'p99', cell: (r) => ms(r.throughput.p99) },
    { header: 'max', cell: (r) => ms(r.throughput.max) },
    { header: 'lock t/o', cell: (r) => percent(r.failures.lockTimeout), tone: nonZeroBad((r) => r.failures.lockTimeout) },
    { header: 'deadlock', cell: (r) => percent(r.failures.deadlock), tone: nonZeroBad((r) => r.failures.deadlock) },
    { header: '5xx', cell: (r) => percent(r.failures.other5xx), tone: nonZeroBad((r) => r.failures.other5xx) },
    { header: 'client t/o', cell: (r) => percent(r.failures.clientTimeout), tone: nonZeroBad((r) => r.failures.clientTimeout) },
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
  { header: 'strategy', cell: (r) => r.strategy },
  { header: 'sold out', cell: (r) => (r.fairness.soldOut ? 'yes' : 'no') },
  { header: 'winners who asked early', cell: (r) => percent(r.fairness.earlyWinnerShare) },
  { header: 'early askers left empty', cell: (r) => int(r.fairness.earlyEmptyHanded) },
  { header: 'Kendall tau (ask vs issue order)', cell: (r) => (r.fairness.kendallTau === null ? '—' : r.fairness.kendallTau.toFixed(3)) },
];

export type Tone = 'good' | 'bad' | undefined;

/** One comparison table, format-neutral: the terminal, markdown and HTML renderers share it. */
export interface ComparisonSection {
  title: string;
  headers: string[];
  cells: string[][];
  tones: Tone[][];
}

export function comparisonSections(rows: ComparisonRow[], baseline?: ComparisonRow): ComparisonSection[] {
  const sections: Array<[string, Column[]]> = [
    ['integrity', integrityColumns],
    ['throughput and failures (share of requests)', throughputColumns(baseline)],
    ['fairness', fairnessColumns],
  ];
  return sections.map(([title, columns]) => ({
    title,
    headers: columns.map((c) => c.header),
    cells: rows.map((r) => columns.map((c) => c.cell(r))),
    tones: rows.map((r) => columns.map((c) => c.tone?.(r))),
  }));
}

function terminalTable(section: ComparisonSection): string {
  const t = new Table({
    head: section.headers.map((h) => chalk.bold(h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  section.cells.forEach((row, i) =>
    t.push(row.map((text, j) => (section.tones[i]![j] === 'bad' ? chalk.red(text) : section.tones[i]![j] === 'good' ? chalk.green(text) : text))),
  );
  return t.toString();
}

function markdownTable(section: ComparisonSection): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(section.headers), line(section.headers.map(() => '---')), ...section.cells.map(line)].join('\n');
}

export function comparisonTitle(scenario: string, baseline?: ComparisonRow): string {
  return `scenario ${scenario}${baseline ? `, baseline ${baseline.strategy}${baseline.file ? ` (${baseline.file})` : ''}` : ''}`;
}

export function renderComparison(rows: ComparisonRow[], scenario: string, format: CompareFormat, baseline?: ComparisonRow): string {
  if (format === 'json') return JSON.stringify({ scenario, baseline: baseline ?? null, rows }, null, 2);
  const sections = comparisonSections(rows, baseline);
  const title = comparisonTitle(scenario, baseline);
  if (format === 'markdown') return [`### couponbench: ${title}`, ...sections.map((s) => `\n**${s.title}**\n\n${markdownTable(s)}`)].join('\n');
  return [chalk.bold(title), ...sections.map((s) => `\n${chalk.bold(s.title)}\n${terminalTable(s)}`)].join('\n');
}
