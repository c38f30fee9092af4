/**
 * Shrinking a schedule that broke the system (QuickCheck's and Hypothesis's idea): try smaller
 * versions, one change at a time (a fault fewer, a shorter window, a smaller amount, a later start,
 * fewer VUs, a shorter load), and keep a change only when the smaller schedule still breaks it.
 * Ends when no change still breaks it, or the tries allowed run out.
 */
import { FAULTS } from '../faults/index.js';
import type { Fault } from '../faults/targets.js';
import { AMOUNT_RANGE, round } from './space.js';
import type { Trial } from './types.js';

export interface ShrinkStep {
  /** What changed, in words (`latency#mysql 4.2s → 2.1s long`). */
  change: string;
  trial: Trial;
  /** Whether the smaller schedule still broke the system (only those are kept). */
  broke: boolean;
}

/** One change smaller each, most reducing first. */
export function smaller(trial: Trial): Array<{ change: string; trial: Trial }> {
  const out: Array<{ change: string; trial: Trial }> = [];
  const { faults, load } = trial;
  const label = (i: number) => `${faults[i]!.kind}${faults[i]!.link ? `#${faults[i]!.link}` : faults[i]!.instance ? `#${faults[i]!.instance}` : ''}`;
  if (faults.length > 1) faults.forEach((_, i) => out.push({ change: `without ${label(i)}`, trial: { faults: faults.filter((__, j) => j !== i), load } }));
  faults.forEach((f, i) => {
    const fault: Fault = FAULTS[f.kind];
    const with_ = (g: typeof f) => ({ faults: faults.map((h, j) => (j === i ? g : h)), load });
    if (!fault.instant && f.duration > 0.2) {
      const duration = round(Math.max(0.2, f.duration / 2));
      out.push({ change: `${label(i)} ${f.duration}s → ${duration}s long`, trial: with_({ ...f, duration }) });
    }
    if (fault.takesAmount && (f.amount ?? 0) > AMOUNT_RANGE.min) {
      const amount = round(Math.max(AMOUNT_RANGE.min, (f.amount ?? 1) * 0.7));
      out.push({ change: `${label(i)} ${f.amount}s → ${amount}s each way`, trial: with_({ ...f, amount }) });
    }
    if (!fault.instant && f.duration > 0.4) {
      const later = round(f.duration / 4);
      out.push({ change: `${label(i)} starts ${later}s later`, trial: with_({ ...f, at: round(f.at + later), duration: round(f.duration - later) }) });
    }
  });
  if (load.vus > 2) out.push({ change: `${load.vus} → ${Math.ceil(load.vus / 2)} VUs`, trial: { faults, load: { ...load, vus: Math.ceil(load.vus / 2) } } });
  // The load must outlast the last fault by a second: what is after it is what the audit needs to settle.
  const lastEnd = Math.max(0, ...faults.map((f) => f.at + f.duration));
  const shorter = round(Math.max(lastEnd + 1, load.durationS * 0.75));
  if (shorter < load.durationS) out.push({ change: `load ${load.durationS}s → ${shorter}s`, trial: { faults, load: { ...load, durationS: shorter } } });
  return out;
}

/** Greedy shrinking: take the first smaller schedule that still breaks it, again, until none does or `tries` are spent. */
export async function shrink(trial: Trial, breaks: (trial: Trial) => Promise<boolean>, tries: number, onStep?: (step: ShrinkStep) => void): Promise<{ trial: Trial; steps: ShrinkStep[] }> {
  let current = trial;
  const steps: ShrinkStep[] = [];
  let left = tries;
  let progress = true;
  while (progress && left > 0) {
    progress = false;
    for (const candidate of smaller(current)) {
      if (left-- <= 0) break;
      const broke = await breaks(candidate.trial);
      const step = { change: candidate.change, trial: candidate.trial, broke };
      steps.push(step);
      onStep?.(step);
      if (broke) {
        current = candidate.trial;
        progress = true;
        break;
      }
    }
  }
  return { trial: current, steps };
}
