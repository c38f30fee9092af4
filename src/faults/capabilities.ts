/**
 * What a fault needs and what it does, read from each kind's own declaration (src/faults/*.ts):
 * the one place that derives what a strategy survives. A new fault kind is one file declaring
 * its effects, plus its line in FAULTS; every strategy's promise follows from its effects.
 */
import { FAULTS } from './index.js';
import { FAULT_KINDS, survivedFaults, type FaultEffect, type FaultKind, type Survives } from './spec.js';

/** The kinds none of whose effects is among `breaksUnder`. */
export function survivedUnder(breaksUnder: readonly FaultEffect[]): FaultKind[] {
  return FAULT_KINDS.filter((kind) => FAULTS[kind].effects.every((effect) => !breaksUnder.includes(effect)));
}

/** What a strategy declares about faults: the effects that break it (built-ins), or a list of kinds (a plugin may give either). */
export interface FaultDeclaration {
  breaksUnder?: readonly FaultEffect[];
  survives?: Survives;
}

/** The fault kinds a strategy keeps integrity under, with --fencing or without. Neither declared: none. */
export function strategySurvives(strategy: FaultDeclaration & { fencing?: FaultDeclaration }, fencing: boolean): FaultKind[] {
  const declared = fencing ? strategy.fencing : strategy;
  if (declared?.breaksUnder) return survivedUnder(declared.breaksUnder);
  return survivedFaults(declared?.survives);
}
