import type { Command } from 'commander';
import { collectReports } from '../report/files.js';
import { parseThreshold } from '../report/thresholds.js';
import { allowNoIssueOption, collect } from './options.js';
import { exitByVerdict } from './verdict.js';

export function registerGate(program: Command): void {
  program
    .command('gate')
    .description('the CI gate over existing reports: integrity as promised, race reproduced where not, thresholds')
    .argument('<reports...>', 'report files or directories')
    .option('--threshold <expr>', "k6-style threshold, repeatable: 'p95<500ms', 'failed<1%'", collect)
    .addOption(allowNoIssueOption())
    .action(async (paths: string[], flags: { threshold?: string[]; allowNoIssue?: boolean }) => {
      const thresholds = (flags.threshold ?? []).map(parseThreshold);
      const reports = await collectReports(paths);
      process.exitCode = exitByVerdict(reports, { gate: true, thresholds, allowNoIssue: Boolean(flags.allowNoIssue) }, process.stdout);
    });
}
