import { assertOutputs } from '../atomicFile.js';
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { collectReports, DEFAULT_REPORTS_DIR, readReport } from '../report/files.js';
import type { Format } from '../report/formats/index.js';
import { emit, formatOption, renderComparison } from './output.js';

interface Flags {
  baseline?: string;
  format: Format;
  out?: string;
  reportsDir: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('side-by-side integrity, throughput and fairness of reports (default: latest per strategy configuration)')
    .argument('[reports...]', 'report files or directories')
    .option('--baseline <report>', 'show throughput deltas against this report')
    .addOption(formatOption())
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--reports-dir <dir>', 'where to look when no reports are named', DEFAULT_REPORTS_DIR)
    .action(async (paths: string[], flags: Flags) => {
      await assertOutputs({ '--out': flags.out }, { report: paths, '--baseline': flags.baseline });
      const reports = await collectReports(paths, flags.reportsDir);
      const baseline = flags.baseline ? { file: flags.baseline, report: await readReport(flags.baseline) } : undefined;
      await emit(renderComparison(reports, flags.format, baseline), flags.out);
      process.exitCode = ExitCode.ok;
    });
}
