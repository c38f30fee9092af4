import { Option } from 'commander';
import { assertFolderWritable, assertOutputs, writeFileAtomic } from '../atomicFile.js';
import { ExitCode } from '../errors.js';
import { aggregateByKey, comparisonRow, inStrategyOrder, rowKey } from '../report/comparison.js';
import { assertSameLoad, configurationLabels } from '../report/configuration.js';
import { DEFAULT_REPORTS_DIR, reportPath, type LoadedReport } from '../report/files.js';
import { EXPORTERS, FORMATS, type Format } from '../report/formats/index.js';
import { renderRun } from '../report/runTables.js';
import { serialiseReport, type Report } from '../report/schema.js';
import type { Threshold } from '../report/thresholds.js';
import { say } from './session.js';
import { exitByVerdict } from './verdict.js';

/** The same --format on every command that prints a comparison. */
export function formatOption(defaultFormat: Format = 'table'): Option {
  return new Option('--format <format>', 'comparison output').choices(FORMATS).default(defaultFormat);
}

/**
 * The comparison of `loaded` in `format`: one scenario only, one row per strategy configuration,
 * repeats of a configuration aggregated into one row.
 */
export function renderComparison(loaded: LoadedReport[], format: Format, baseline?: LoadedReport): string {
  const all = (baseline ? [...loaded, baseline] : loaded).map((r) => r.report);
  assertSameLoad(all);
  const labels = configurationLabels(all, rowKey, (r) => r.id);
  return EXPORTERS[format].render({
    scenario: loaded[0]!.report.config.scenario.name,
    rows: inStrategyOrder(aggregateByKey(loaded.map((r) => comparisonRow(r.report, r.file, labels.get(r.report.id)))), (row) => row),
    baseline: baseline && comparisonRow(baseline.report, baseline.file, labels.get(baseline.report.id)),
    reports: inStrategyOrder(
      loaded.map((r) => r.report),
      (report) => report.config,
    ),
  });
}

/** To a file (atomically) when --out is given, else to stdout. */
export async function emit(text: string, out?: string): Promise<void> {
  const ended = text.endsWith('\n') ? text : `${text}\n`;
  if (out) await writeFileAtomic(out, ended);
  else process.stdout.write(ended);
}

/**
 * How `run` and `audit` end: write the report, print its tables (or its JSON), exit by verdict.
 * A report that cannot be written (the disk filled during the run) still prints; the exit code
 * then says so (3) unless the verdict already failed.
 */
export async function finishRun(report: Report, flags: { out?: string; json?: boolean; gate?: boolean; allowNoIssue?: boolean }, thresholds: Threshold[]): Promise<number> {
  const file = reportPath(report, flags.out);
  const json = serialiseReport(report);
  const unwritten = await writeFileAtomic(file, json).then(
    () => undefined,
    (err: Error) => err.message,
  );
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(`${renderRun(report)}\n`);
  if (unwritten) say(`report: NOT written to ${file}: ${unwritten}${flags.json ? '' : ' (the tables above are what is left of this run)'}`);
  else if (!flags.json) say(`report: ${file}`);
  const verdict = exitByVerdict([{ report, file }], { gate: flags.gate, thresholds, allowNoIssue: flags.allowNoIssue }, process.stderr);
  return unwritten && verdict === ExitCode.ok ? ExitCode.infrastructure : verdict;
}

/**
 * Where run/audit may write: the --out file (or the report folder) and --history, checked before
 * anything starts, none of them one of the command's `inputs` (flag to path) or each other.
 */
export async function assertOutputsWritable(flags: { out?: string; history?: string }, inputs: Record<string, string | string[] | undefined> = {}, reportsDir = DEFAULT_REPORTS_DIR): Promise<void> {
  if (flags.out === undefined) await assertFolderWritable(reportsDir, 'the report folder');
  await assertOutputs({ '--out': flags.out, '--history': flags.history }, inputs);
}
