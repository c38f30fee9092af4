/**
 * What the hunt may try on one system: every fault kind the system can take (asked of the one
 * function that decides, faultRefusal, over the kinds FAULTS registers), each placement (an
 * instance, a link), and the ranges of start, duration and amount within the load.
 */
import { faultRefusal, type FaultOffer } from '../faults/capabilities.js';
import { FAULTS } from '../faults/index.js';
import { FAULT_KINDS, type FaultKind, type FaultSpec } from '../faults/spec.js';
import type { Fault } from '../faults/targets.js';
import type { Random } from './random.js';
import type { LoadShape } from './types.js';

/** Latency amounts tried, seconds each way: a slow network up to a database that stalls for seconds. */
export const AMOUNT_RANGE = { min: 0.2, max: 5 } as const;

export interface HuntSpace {
  /** Each runnable kind with the placements it can take (one spec per placement, window unset). */
  placements: FaultSpec[];
  load: LoadShape;
}

/** Every placement of every kind (or of `kinds`) the offer takes; a kind that fits nowhere is left out. */
export function huntSpace(offer: FaultOffer, load: LoadShape, kinds: readonly FaultKind[] = FAULT_KINDS): HuntSpace {
  const placements: FaultSpec[] = [];
  for (const kind of kinds) {
    const fault: Fault = FAULTS[kind];
    const candidates: FaultSpec[] =
      fault.actsOn === 'link'
        ? offer.links.map((link) => ({ kind, link, at: 1, duration: fault.instant ? 0 : 1, ...(fault.takesAmount ? { amount: 1 } : {}) }))
        : fault.actsOn === 'instance' && kind !== 'pause-holder'
          ? Array.from({ length: Math.max(1, offer.instances) }, (_, i) => ({ kind, instance: i + 1, at: 1, duration: fault.instant ? 0 : 1 }))
          : [{ kind, at: 1, duration: fault.instant ? 0 : 1 }];
    placements.push(...candidates.filter((spec) => faultRefusal(spec, offer) === undefined));
  }
  return { placements, load };
}

/**
 * A window inside the load: it starts after the first tenth and ends before the last. `wide` (the
 * first try of each placement) starts in the first third and lasts a third to a half of the load:
 * a first look that would see a reaction if there is one; shrinking makes a break small later.
 */
export function placeAt(spec: FaultSpec, load: LoadShape, random: Random, wide = false): FaultSpec {
  const d = load.durationS;
  const at = wide ? random.between(0.15 * d, 0.3 * d) : random.between(0.1 * d, 0.6 * d);
  const fault: Fault = FAULTS[spec.kind];
  const longest = Math.max(0.2, 0.9 * d - at);
  const window = wide ? random.between(Math.min(0.35 * d, longest), Math.min(0.5 * d, longest)) : random.between(Math.min(0.2, longest), longest);
  const duration = fault.instant ? (spec.kind === 'kill-instance' ? random.pick([0, random.between(0.2, 1)]) : 0) : window;
  const amount = fault.takesAmount ? { amount: random.between(AMOUNT_RANGE.min, AMOUNT_RANGE.max) } : {};
  return { ...spec, at: round(at), duration: round(duration), ...amount };
}

export const round = (x: number) => Math.round(x * 10) / 10;
