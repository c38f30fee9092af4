/**
 * A system under test: what a run loads and audits (Jepsen's db and client roles in one place).
 * Three implementations: the embedded server with a strategy (embedded.ts), a user's service
 * described by a target file (service.ts), and requests recorded elsewhere (history.ts). Each
 * provides what the one sequence in src/run.ts needs, in the order it needs it.
 */
import type { ServerCounts } from '../server/counts.js';
import type { AuditInput } from '../audit/index.js';
import type { ProbeCheck } from '../audit/integrity.js';
import type { CpuWatch } from '../cpu.js';
import type { FaultTargets } from '../faults/targets.js';
import type { Baseline } from '../history/format.js';
import type { LoadRun } from '../load/driver.js';
import type { RequestPlan } from '../load/requestPlan.js';
import type { Report } from '../report/schema.js';
import type { RunHooks } from '../run.js';

/** The system's part of the report's config: its promise and what it is measured against. */
export type SystemDescription = Pick<Report['config'], 'strategy' | 'promise' | 'infra' | 'survives'> & Partial<Pick<Report['config'], 'ceiling' | 'target' | 'knobs'>>;

/** How the load reaches the system: requests the driver makes, or requests made elsewhere. */
export type Load =
  /** `filesHeldBeside`: what this process holds open during the load besides the driver's sockets (src/load/limits.ts). */
  | { kind: 'drive'; plan: RequestPlan; faults?: Omit<FaultTargets, 'clock'>; cpu: CpuWatch[]; filesHeldBeside?: number }
  | { kind: 'recorded'; run: LoadRun };

export interface Prepared {
  /** The stock (and issued records) before the load: Q0 for the audit, kept in histories. */
  baseline: Baseline;
  load: Load;
  /** Milliseconds spent seeding or resetting, and starting the system's own processes. */
  seedMs: number;
  serverStartMs: number;
  /**
   * The stock left now, read-only, polled while the load runs (src/system/stockWatch.ts) so a
   * witness can bound a window; absent where the stock lags the answers (written behind them).
   */
  stockLeft?: () => Promise<number>;
}

/** The final state, read once the system has settled: what the audit judges. */
export interface Observation {
  snapshot: AuditInput['snapshot'];
  /** Coupons each user holds, where the records name users (gained during the run, for a service). */
  holdings?: Map<number, number>;
  /** Users in the order they were issued their first coupon (for fairness). */
  issueOrder: number[];
  /** False where the records come in no order (a Redis set): the fairness table then says no Kendall tau. */
  issueOrdered?: boolean;
  redisLedger?: AuditInput['redisLedger'];
  probes?: ProbeCheck[];
  /** The service keeps no stock number: its capacity, which the stock left is derived from. */
  capacity?: number;
  persistence?: Report['persistence'];
  versions: { database: string; redisVersion: string };
  /** What the server instances counted (embedded only). */
  server?: ServerCounts;
}

export interface SystemUnderTest {
  describe(): SystemDescription;
  /** Reset or seed, start what the system runs on, read the baseline. */
  prepare(hooks: RunHooks): Promise<Prepared>;
  /** After the load (faults healed): let writes behind the answers land, stop what must not write during the count, read the final state. */
  observe(run: LoadRun, hooks: RunHooks): Promise<Observation>;
}
