/**
 * What a run says while it runs, as typed records: the one stream the terminal (render.ts), and
 * anything else that follows a run, subscribe to through `RunHooks.onEvent`. A module that has
 * something to say emits one of these; it never composes the sentence.
 */
import type { Persistence } from '../../strategies/types.js';
import type { Calibration } from '../db/calibrate.js';
import type { FaultKind, FaultRecord, LinkName } from '../faults/spec.js';
import type { InfraChoice, InfraKind } from '../infra/types.js';
import type { LiveViolation } from '../audit/liveCheck.js';
import type { LiveSample } from '../live/sample.js';
import type { Report } from '../report/schema.js';

export type RunEvent =
  | { type: 'infra-asked'; choice: InfraChoice }
  | { type: 'infra-up'; kind: InfraKind; shared: boolean; mysql?: string; postgres?: string; redis: string[] }
  | { type: 'calibrated'; calibration: Calibration }
  | { type: 'seeded'; couponId: number; quantity: number; userPool: number; ms: number }
  | { type: 'link-open'; link: string; port: number; upstream: string }
  | { type: 'server-up'; instances: number; strategy: string; url: string }
  | { type: 'service-started'; instance: number; pid: number; port: number; command: string }
  | { type: 'tls-insecure'; target: string }
  | { type: 'reset-step'; step: number; of: number; text: string; shell: boolean }
  /** The stock before the load, where it is not simply --quantity after a reset. */
  | { type: 'not-reset'; flag: boolean; quantity: number; capacity?: number }
  | { type: 'stock-after-reset'; quantity: number; capacity?: number; asked: number }
  | { type: 'issued-before'; count: number }
  | { type: 'load-target'; target: string; url: string }
  | { type: 'fault'; record: FaultRecord }
  | { type: 'write-behind'; persistence: Persistence }
  | { type: 'settle-unsettled'; settleS: number }
  | { type: 'history-written'; file: string; requests: number }
  /** A fault set left out of a matrix, for every target or for one (`target`): the refusal says why. */
  | { type: 'matrix-skip'; fault: string; target?: string; reason: string }
  | { type: 'matrix-item'; label: string; run: number; of: number }
  | { type: 'stop-failed'; what: string }
  /** The hunt (src/hunt/): each try, the best lead so far and the budget left; the break confirmed; each shrinking step. */
  | { type: 'hunt-try'; n: number; schedule: string; broke?: string; lockBroken: boolean; slowdown: number; leftS: number; best?: string }
  | { type: 'hunt-confirmed'; schedule: string; broke: number; of: number; smallest?: boolean }
  | { type: 'hunt-shrink'; change: string; broke: boolean }
  /**
   * Live: a run's load starts (`runId` is its report's id), once a second a sample, each fault as
   * it starts and ends, and the report when it is made. The dashboard and the metric exporters
   * (src/live/) follow these; the terminal prints the sample as its progress line.
   */
  | { type: 'run-start'; runId: string; system: string; scenario: string; quantity: number; totalS: number }
  | { type: 'sample'; runId: string; sample: LiveSample }
  | { type: 'fault-change'; runId: string; kind: FaultKind; link?: LinkName; target: string; atS: number; active: boolean }
  /** A violation found while the load runs, or grown since last said: a lower bound the audit confirms. */
  | { type: 'violation'; runId: string; atS: number; violation: LiveViolation }
  | { type: 'run-end'; runId: string; report: Report };

/** Events the live subscribers (src/live/) follow. */
export const LIVE_EVENTS = ['run-start', 'sample', 'fault-change', 'violation', 'run-end'] as const satisfies readonly RunEvent['type'][];
export type LiveEvent = Extract<RunEvent, { type: (typeof LIVE_EVENTS)[number] }>;
export const isLive = (event: RunEvent): event is LiveEvent => (LIVE_EVENTS as readonly string[]).includes(event.type);
/**
 * Events that have a sentence (src/timeline/render.ts): every event but the live ones, which the
 * progress printer shows as its line, and a violation, which it says as it is found.
 */
export type TerminalEvent = Exclude<RunEvent, { type: Exclude<LiveEvent['type'], 'violation'> }>;

export type RunEventType = RunEvent['type'];

/** Shown even under --quiet and --json: what runs on this machine in the user's name, and what weakens a check. */
export function isNotice(event: RunEvent): boolean {
  return event.type === 'tls-insecure' || (event.type === 'reset-step' && event.shell);
}
