/**
 * The search: tries fault schedules on the system until one breaks it or the budget runs out.
 * It starts by covering each placement once (a window at random), then spends its tries where the
 * system reacted (Mallory's idea: steer by what the system did): a try that made requests slower,
 * made the lock change hands or left outcomes unknown is a lead, widened (longer, bigger, earlier)
 * and combined with another fault; a try that changed nothing is dropped. Seeded: one --seed, one
 * sequence of tries.
 */
import { FAULTS } from '../faults/index.js';
import type { FaultSpec } from '../faults/spec.js';
import type { Fault } from '../faults/targets.js';
import { Random } from './random.js';
import { AMOUNT_RANGE, placeAt, round, type HuntSpace } from './space.js';
import { leadScore, type Trial, type TrialResult } from './types.js';

export interface Tried {
  trial: Trial;
  result: TrialResult;
}

/** How many leads are kept: the best few, so one noisy try does not steer the whole hunt. */
const LEADS = 5;

export class Search {
  private readonly random: Random;
  private readonly leads: Array<{ trial: Trial; score: number }> = [];
  private readonly unplaced: FaultSpec[];

  constructor(private readonly space: HuntSpace, seed: number) {
    this.random = new Random(seed);
    this.unplaced = [...space.placements];
  }

  /** The best lead so far (undefined until a try made something happen). */
  best(): { trial: Trial; score: number } | undefined {
    return this.leads[0];
  }

  next(): Trial {
    const load = this.space.load;
    // Cover every placement once before following leads.
    const first = this.unplaced.shift();
    if (first) return { faults: [placeAt(first, load, this.random, true)], load };
    const lead = this.leads.length > 0 && this.random.next() < 0.7 ? this.random.pick(this.leads.slice(0, 3)) : undefined;
    if (!lead) return { faults: [placeAt(this.random.pick(this.space.placements), load, this.random)], load };
    return this.mutate(lead.trial);
  }

  /** Learn from a try: keep it as a lead when the system reacted, best first. */
  record(tried: Tried): void {
    const score = leadScore(tried.result);
    if (score <= 0) return;
    this.leads.push({ trial: tried.trial, score });
    this.leads.sort((a, b) => b.score - a.score);
    this.leads.length = Math.min(this.leads.length, LEADS);
  }

  /** Widen a lead: a longer window, a bigger amount, an earlier start, or a second fault beside it. */
  private mutate(trial: Trial): Trial {
    const load = trial.load;
    const faults = trial.faults.map((f) => ({ ...f }));
    const f = this.random.pick(faults);
    const fault: Fault = FAULTS[f.kind];
    const move = this.random.pick(['longer', 'bigger', 'earlier', 'second'] as const);
    if (move === 'second' && faults.length < 2) {
      faults.push(placeAt(this.random.pick(this.space.placements), load, this.random));
    } else if (move === 'bigger' && fault.takesAmount) {
      f.amount = round(Math.min(AMOUNT_RANGE.max, (f.amount ?? 1) * this.random.between(1.2, 2)));
    } else if (move === 'earlier') {
      const shift = Math.min(f.at - 0.1 * load.durationS, this.random.between(0.2, 1.5));
      f.at = round(Math.max(0.1 * load.durationS, f.at - shift));
      if (!fault.instant) f.duration = round(f.duration + shift);
    } else if (!fault.instant) {
      f.duration = round(Math.min(0.9 * load.durationS - f.at, f.duration * this.random.between(1.3, 2)));
    } else {
      return { faults: [placeAt(f, load, this.random)], load };
    }
    return { faults, load };
  }
}
