/**
 * Several strategies (and repeats) on one infrastructure: each run gets fresh data (a new coupon,
 * emptied tables, our Redis keys cleared), then the runs are summarised side by side.
 */
import type { InfraRequest } from './infra/index.js';
import type { Report } from './report/schema.js';
import { bringUpInfra, runOnInfra, type RunConfig, type RunHooks } from './run.js';
import { getStrategy } from '../strategies/index.js';
import { UsageError } from './errors.js';
import { comparisonRow, type ComparisonRow } from './report/compare.js';

export interface MatrixRequest {
  strategies: string[];
  repeat: number;
  base: Omit<RunConfig, 'strategy'>;
}

export async function runMatrix(infraRequest: InfraRequest, m: MatrixRequest, hooks: RunHooks, onReport: (r: Report) => Promise<void>): Promise<Report[][]> {
  for (const name of m.strategies) {
    const problem = getStrategy(name).validate?.({ redisNodes: infraRequest.redisNodes, instances: m.base.instances });
    if (problem) throw new UsageError(`${name}: ${problem}`);
  }
  const infra = await bringUpInfra(infraRequest, hooks);
  const all: Report[][] = [];
  for (const strategy of m.strategies) {
    const runs: Report[] = [];
    for (let k = 0; k < m.repeat; k++) {
      hooks.onStage?.(`matrix: ${strategy}${m.repeat > 1 ? ` (run ${k + 1} of ${m.repeat})` : ''}`);
      const report = await runOnInfra(infra, { ...m.base, strategy, seed: m.base.seed + k }, hooks);
      await onReport(report);
      runs.push(report);
    }
    all.push(runs);
  }
  return all;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * One row from K runs: the median of every figure, the worst integrity verdict (one failing run
 * fails the strategy), and the spread of throughput and p95 as min..max.
 */
export function medianRow(reports: Report[]): ComparisonRow {
  const rows = reports.map((r) => comparisonRow(r));
  if (rows.length === 1) return rows[0]!;
  const pick = (f: (r: ComparisonRow) => number) => median(rows.map(f));
  const range = (f: (r: ComparisonRow) => number): [number, number] => [Math.min(...rows.map(f)), Math.max(...rows.map(f))];
  const first = rows[0]!;
  const failing = rows.find((r) => r.integrity.verdict === 'fail');
  return {
    ...first,
    integrity: { ...(failing ?? first).integrity, lostDecrements: pick((r) => r.integrity.lostDecrements) },
    throughput: {
      rate: pick((r) => r.throughput.rate),
      issuedRate: pick((r) => r.throughput.issuedRate),
      p50: pick((r) => r.throughput.p50),
      p95: pick((r) => r.throughput.p95),
      p99: pick((r) => r.throughput.p99),
      max: pick((r) => r.throughput.max),
      requests: pick((r) => r.throughput.requests),
    },
    failures: {
      lockTimeout: pick((r) => r.failures.lockTimeout),
      deadlock: pick((r) => r.failures.deadlock),
      other5xx: pick((r) => r.failures.other5xx),
      clientTimeout: pick((r) => r.failures.clientTimeout),
    },
    fairness: { ...first.fairness, earlyWinnerShare: pick((r) => r.fairness.earlyWinnerShare), earlyEmptyHanded: pick((r) => r.fairness.earlyEmptyHanded) },
    spread: { rate: range((r) => r.throughput.rate), p95: range((r) => r.throughput.p95) },
  };
}
