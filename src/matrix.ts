/**
 * Several strategies (and repeats) on one infrastructure: each run gets fresh data (a new coupon,
 * emptied tables, our Redis keys cleared). Summarising them side by side is src/report/'s job.
 */
import type { InfraRequest } from './infra/index.js';
import type { Report } from './report/schema.js';
import type { StrategyRef } from '../strategies/index.js';
import { bringUpInfra, preflight, runOnInfra, type RunConfig, type RunHooks } from './run.js';

export interface MatrixRequest {
  strategies: StrategyRef[];
  repeat: number;
  base: Omit<RunConfig, 'strategy' | 'strategyModule'>;
}

/** Runs every strategy `repeat` times; returns the reports grouped by strategy. */
export async function runMatrix(infraRequest: InfraRequest, m: MatrixRequest, hooks: RunHooks, onReport: (r: Report) => Promise<void>): Promise<Report[][]> {
  await preflight(infraRequest, m.base, m.strategies);
  const infra = await bringUpInfra(infraRequest, hooks);
  const all: Report[][] = [];
  for (const ref of m.strategies) {
    const runs: Report[] = [];
    for (let k = 0; k < m.repeat; k++) {
      hooks.onStage?.(`matrix: ${ref.strategy}${m.repeat > 1 ? ` (run ${k + 1} of ${m.repeat})` : ''}`);
      const report = await runOnInfra(infra, { ...m.base, ...ref, seed: m.base.seed + k }, hooks);
      await onReport(report);
      runs.push(report);
    }
    all.push(runs);
  }
  return all;
}
