import { z } from 'zod';

/** k6-style durations: "90s", "1m30s", "500ms", "1h", or a bare number of seconds. */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/**
 * The longest duration couponbench takes: a week. Node's timers hold at most 2^31 - 1 ms (24.8
 * days) and fire at once beyond it, which would turn a think time, a timeout or a fault's delay
 * into no wait at all.
 */
export const MAX_DURATION_S = 7 * 24 * 3600;

export function parseDuration(input: string | number): number {
  const seconds = typeof input === 'number' ? input : secondsOf(input);
  if (seconds > MAX_DURATION_S) throw new Error(`"${input}" is longer than a week (7d = ${MAX_DURATION_S} s), the longest duration couponbench waits`);
  return seconds;
}

function secondsOf(input: string): number {
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!WHOLE.test(text)) throw new Error(`"${input}" is not a duration (use e.g. 10s, 1m30s, 500ms)`);
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(PART)) seconds += Number(value) * UNIT_SECONDS[unit!]!;
  return seconds;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const m = Math.floor(seconds / 60);
  const s = Math.round((seconds - m * 60) * 10) / 10;
  return m > 0 ? `${m}m${s > 0 ? `${s}s` : ''}` : `${s}s`;
}

/** A duration field of a scenario, target or fault file: a number of seconds or a k6 duration string, read as seconds. */
export const DurationSchema = z.union([z.number().nonnegative(), z.string().describe('a duration: "500ms", "5s", "1m30s", "1h" (a plain number is seconds)')]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
