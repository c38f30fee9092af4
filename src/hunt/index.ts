/**
 * `couponbench hunt`: search fault schedules until one breaks the system under test, confirm it
 * by running it again, shrink it to the smallest schedule that still breaks it, and hand back a
 * reproducer. The search (search.ts), shrinking (shrink.ts) and the space (space.ts) know nothing
 * of databases: a `Runner` makes each try (trial.ts makes real ones with runSystem).
 */
import { faultFlag } from '../faults/spec.js';
import type { RunEvent } from '../timeline/events.js';
import { Search, type Tried } from './search.js';
import { shrink, type ShrinkStep } from './shrink.js';
import type { HuntSpace } from './space.js';
import type { Runner, Trial, TrialResult } from './types.js';

export interface HuntOptions {
  space: HuntSpace;
  runner: Runner;
  /** Wall-clock budget for the search and the shrinking together. */
  budgetMs: number;
  seed: number;
  /** Runs of the breaking schedule in all when confirming it (`broke in k of n`). */
  confirmRuns?: number;
  /** Smaller schedules tried at most while shrinking. */
  shrinkTries?: number;
  clock?: () => number;
  onEvent?: (event: RunEvent) => void;
}

export interface HuntFound {
  trial: Trial;
  result: TrialResult;
  confirmed: { broke: number; of: number };
  /** The smallest schedule that broke it again when confirmed (the first one, when none smaller did). */
  shrunk: Trial;
  shrunkConfirmed: { broke: number; of: number };
  /** A run of `shrunk` that broke: what explains the break (its witness). */
  shrunkResult: TrialResult;
  steps: ShrinkStep[];
}

export interface HuntResult {
  tries: Tried[];
  found?: HuntFound;
  elapsedMs: number;
}

/** A schedule as its --fault flags and load (`latency#mysql=2.6s@1s:4s, 20 VUs for 6s`). */
export const describeTrial = (t: Trial) => `${t.faults.map(faultFlag).join(' + ') || 'no fault'}, ${t.load.vus} VUs for ${t.load.durationS}s`;

/** Smaller schedules tried even when the budget is spent: a break found late is still made smaller. */
const MIN_SHRINK_STEPS = 4;
/** Kept shrinking steps confirmed at most, smallest first, before falling back to the schedule first found. */
const MAX_WALK_BACK = 3;

export async function hunt(o: HuntOptions): Promise<HuntResult> {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const left = () => o.budgetMs - (clock() - started);
  const search = new Search(o.space, o.seed);
  const tries: Tried[] = [];
  const say = o.onEvent ?? (() => {});
  while (left() > 0) {
    const trial = search.next();
    const result = await o.runner(trial);
    tries.push({ trial, result });
    search.record({ trial, result });
    const best = search.best();
    say({ type: 'hunt-try', n: tries.length, schedule: describeTrial(trial), broke: result.broken, lockBroken: result.lockBroken, slowdown: result.slowdown, leftS: Math.max(0, Math.round(left() / 1000)), best: best ? describeTrial(best.trial) : undefined });
    if (!result.broke) continue;
    const confirmRuns = o.confirmRuns ?? 2;
    let broke = 1;
    for (let k = 1; k < confirmRuns; k++) if ((await o.runner(trial)).broke) broke++;
    say({ type: 'hunt-confirmed', schedule: describeTrial(trial), broke, of: confirmRuns });
    // Shrinking gets what is left of the budget, and at least a few tries: a break found late is still made small.
    const shrinkDeadline = clock() + Math.max(left(), 0);
    let shrinkSteps = 0;
    const { trial: shrunk, steps } = await shrink(
      trial,
      async (t) => (clock() > shrinkDeadline && shrinkSteps >= MIN_SHRINK_STEPS ? false : (await o.runner(t)).broke),
      o.shrinkTries ?? 16,
      (step) => {
        shrinkSteps++;
        say({ type: 'hunt-shrink', change: step.change, broke: step.broke });
      },
    );
    // A smaller schedule was kept on one break; confirm it as the first was. One that breaks rarely is
    // not a reproducer: walk back through the kept steps to the smallest that breaks again, or the first.
    const count = async (t: Trial) => {
      let n = 0;
      let breaking: TrialResult | undefined;
      for (let k = 0; k < confirmRuns; k++) {
        const r = await o.runner(t);
        if (r.broke) [n, breaking] = [n + 1, r];
      }
      return { n, breaking };
    };
    const kept = [trial, ...steps.filter((s) => s.broke).map((s) => s.trial)];
    let smallest = { trial, broke, result };
    for (const candidate of kept.slice(1).reverse().slice(0, MAX_WALK_BACK)) {
      const { n, breaking } = await count(candidate);
      say({ type: 'hunt-confirmed', schedule: describeTrial(candidate), broke: n, of: confirmRuns, smallest: true });
      if (breaking) {
        smallest = { trial: candidate, broke: n, result: breaking };
        break;
      }
    }
    const found = { trial, result, confirmed: { broke, of: confirmRuns }, shrunk: smallest.trial, shrunkConfirmed: { broke: smallest.broke, of: confirmRuns }, shrunkResult: smallest.result, steps };
    return { tries, found, elapsedMs: clock() - started };
  }
  return { tries, elapsedMs: clock() - started };
}
