/** What the hunt tries and what each try tells it (src/hunt/). */
import type { FaultSpec } from '../faults/spec.js';
import type { Report } from '../report/schema.js';

/** The load a try runs: constant VUs for a while (the scenario's think time, users and stock). */
export interface LoadShape {
  vus: number;
  durationS: number;
}

/** One try: a fault schedule under a load. */
export interface Trial {
  faults: FaultSpec[];
  load: LoadShape;
}

/** What a try showed, read from its report: the break, and the leads that steer the next tries. */
export interface TrialResult {
  /** Integrity broke where the system promises it. */
  broke: boolean;
  /** The violation in a few words (`3 lost decrements`), when it broke. */
  broken?: string;
  /** The lock changed hands while a holder was stopped, or a release found it gone. */
  lockBroken: boolean;
  /** p95 latency while a fault was on over p95 outside (1: the fault changed nothing). */
  slowdown: number;
  /** Requests whose outcome the clients do not know (timeouts, cut connections) and failures. */
  unknown: number;
  failed: number;
  /** A fault that could not act (failed to start, or the load ended first). */
  notActed: boolean;
  /** What explains a break: the run's witnesses and its faults on the same clock (a real try's report). */
  evidence?: Pick<Report, 'witnesses' | 'faults'>;
}

export type Runner = (trial: Trial) => Promise<TrialResult>;

/** How strongly a try points at a break: what the search widens first. 0: nothing happened. */
export function leadScore(r: TrialResult): number {
  if (r.notActed) return 0;
  return (r.broke ? 100 : 0) + (r.lockBroken ? 10 : 0) + Math.max(0, Math.log2(Math.max(1, r.slowdown))) + (r.unknown > 0 ? 2 : 0) + (r.failed > 0 ? 1 : 0);
}
