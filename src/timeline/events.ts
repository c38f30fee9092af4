/**
 * What a run says while it runs, as typed records: the one stream the terminal (render.ts), and
 * anything else that follows a run, subscribe to through `RunHooks.onEvent`. A module that has
 * something to say emits one of these; it never composes the sentence.
 */
import type { Persistence } from '../../strategies/types.js';
import type { Calibration } from '../db/calibrate.js';
import type { FaultRecord } from '../faults/spec.js';
import type { InfraChoice, InfraKind } from '../infra/types.js';

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
  | { type: 'hunt-shrink'; change: string; broke: boolean };

export type RunEventType = RunEvent['type'];

/** Shown even under --quiet and --json: what runs on this machine in the user's name, and what weakens a check. */
export function isNotice(event: RunEvent): boolean {
  return event.type === 'tls-insecure' || (event.type === 'reset-step' && event.shell);
}
