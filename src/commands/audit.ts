import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { readHistories } from '../history/read.js';
import { parseThreshold } from '../report/thresholds.js';
import { compileOutcomeRules } from '../service/outcomeRules.js';
import { loadTarget } from '../service/file.js';
import { runSystem } from '../run.js';
import { historyConfig, historySystem } from '../system/history.js';
import { allowNoIssueOption, collect, nonNegativeInt } from './options.js';
import { assertOutputsWritable, finishRun } from './output.js';
import { say, withResources } from './session.js';

interface Flags {
  target: string;
  history: string[];
  quantity?: number;
  userTag: string;
  onePerUser: boolean;
  gate?: boolean;
  allowNoIssue?: boolean;
  threshold?: string[];
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("audit a target's databases against a history made elsewhere (run --history, or k6 --out json)")
    .requiredOption('-t, --target <file>', 'the target file: its outcome rules and audit probes')
    .requiredOption('--history <file|dir>', "couponbench's NDJSON history, or k6's --out json output (.gz too); repeatable, or a folder of them: parts of one load, merged by wall-clock time", collect)
    .option('--quantity <n>', 'the stock before the load (Q0); a couponbench history of a target run records it', nonNegativeInt)
    .option('--user-tag <name>', 'k6: the tag that holds the user id of each request', 'userId')
    .option('--one-per-user', 'a user may hold at most one coupon (default)', true)
    .option('--no-one-per-user', 'a user may hold several coupons')
    .option('--gate', 'exit by the integrity gate, as run --gate does')
    .addOption(allowNoIssueOption())
    .option('--threshold <expr>', "k6-style threshold, repeatable: 'p95<500ms', 'failed<1%'", collect)
    .option('--out <file>', 'report path (default reports/<time>-<target>-history.json)')
    .option('--json', 'print the JSON report to stdout instead of tables')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: Flags) => {
      process.exitCode = await audit(flags);
    });
}

async function audit(flags: Flags): Promise<number> {
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
  const loaded = await loadTarget(flags.target);
  await assertOutputsWritable({ out: flags.out }, { '--target': flags.target, '--history': flags.history });
  // k6 keeps no response bodies, so its statuses are read by the rules' statuses alone.
  const byStatus = compileOutcomeRules(loaded.target.outcomes.map(({ bodyMatches: _text, body: _field, ...rule }) => rule));
  const history = await readHistories(flags.history, { userTag: flags.userTag, readStatus: (status) => byStatus(status, '') });
  const baseline = history.header?.baseline ?? (flags.quantity !== undefined ? { quantity: flags.quantity } : undefined);
  if (!baseline) throw new UsageError('give --quantity Q0, the stock before the load: this history does not record it');
  if (flags.quantity !== undefined) baseline.quantity = flags.quantity;
  const config = historyConfig(loaded, history, flags.history.join(', '), baseline.quantity, flags.onePerUser);
  const quiet = Boolean(flags.quiet || flags.json);
  if (!quiet) {
    const from = history.source === 'k6' ? "k6's JSON output" : history.source === 'mixed' ? "k6's JSON output and couponbench histories" : `a couponbench run of ${history.header?.name ?? 'unknown'}`;
    say(`history: ${history.run.log.length} requests from ${from}${history.parts ? ` (${history.parts} parts, lined up by wall-clock time)` : ''}`);
    if (history.source !== 'couponbench' && loaded.target.outcomes.some((r) => r.bodyMatches !== undefined || r.body !== undefined)) say('k6 keeps no response bodies: outcome rules are matched by status alone');
  }
  const report = await withResources(quiet, (hooks) => runSystem(historySystem(loaded, history.run, baseline), config, hooks));
  return finishRun(report, flags, thresholds);
}
