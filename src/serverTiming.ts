/**
 * Where a request's time went, as the W3C `Server-Timing` response header carries it
 * (`lock;dur=12.3, cs;dur=0.8, total;dur=13.4`). The embedded server writes it from a
 * PhaseTimer the strategy fills; the driver reads it from any service that sends one, so a
 * target service that names its own phases gets the same breakdown.
 */
import { performance } from 'node:perf_hooks';

/** The phases couponbench's own strategies time, in the order a request goes through them. */
export const SERVER_PHASES = {
  pool: 'pool wait',
  lock: 'lock wait',
  cs: 'critical section',
  commit: 'commit',
  release: 'release',
  // Not plain `claim`: a service's own phase of that name is its own, and is printed as such.
  'redis-claim': 'redis claim',
  // Queued behind the batch in flight, then written and committed with the others (strategies/groupCommit.ts).
  group: 'group commit',
} as const;
export type ServerPhase = keyof typeof SERVER_PHASES;

/** The whole time the strategy took; what is not in a named phase is the rest of it. */
export const TOTAL_PHASE = 'total';

export const SERVER_TIMING_HEADER = 'server-timing';

/** How to print a phase name: ours by their description, a service's own by its name. */
export function phaseLabel(name: string): string {
  return (SERVER_PHASES as Record<string, string>)[name] ?? name;
}

/**
 * Accumulates milliseconds per phase for one request. A phase may be entered more than once (a
 * lock retried three times is three lock waits): durations add up. Phases nest the way a
 * profiler's exclusive time does: a lock wait timed inside the critical section is taken out of
 * it, so the phases of a request add up to its total, never more.
 */
export class PhaseTimer {
  private readonly ms = new Map<string, number>();
  private readonly startedAt = performance.now();
  private open: ServerPhase | undefined;

  async time<T>(phase: ServerPhase, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const parent = this.open;
    this.open = phase;
    try {
      return await work();
    } finally {
      const ms = performance.now() - t0;
      this.ms.set(phase, (this.ms.get(phase) ?? 0) + ms);
      if (parent) this.ms.set(parent, (this.ms.get(parent) ?? 0) - ms);
      this.open = parent;
    }
  }

  /** The header value, phases in the order first timed, then the total. */
  header(): string {
    let value = '';
    for (const [name, ms] of this.ms) value += `${name};dur=${ms.toFixed(2)}, `;
    return `${value}${TOTAL_PHASE};dur=${(performance.now() - this.startedAt).toFixed(2)}`;
  }
}

/** A timer that keeps nothing, for callers outside the server (tests, calibration). */
export const NO_TIMER = {
  time: <T>(_phase: ServerPhase, work: () => Promise<T>) => work(),
} as Pick<PhaseTimer, 'time'>;

/** What a strategy needs of a timer. */
export type Timer = Pick<PhaseTimer, 'time'>;

/**
 * Read `name;dur=1.2;desc="x", other;dur=3` into (name, ms) pairs; entries without a numeric
 * `dur` are skipped, as are malformed ones. Never throws: the header is the service's. Scanned by
 * hand, not split: it runs once per response, tens of thousands of times a second.
 */
export function parseServerTiming(value: string | string[] | undefined, visit: (name: string, ms: number) => void): void {
  if (value === undefined) return;
  const text = Array.isArray(value) ? value.join(',') : value;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf(',', at);
    if (end < 0) end = text.length;
    const semi = text.indexOf(';', at);
    if (semi > at && semi < end) {
      const name = text.slice(at, semi).trim();
      const dur = findDur(text, semi, end);
      if (name && dur !== undefined) visit(name, dur);
    }
    at = end + 1;
  }
}

/** The value of the `dur` parameter between `from` and `end` (case-insensitive, maybe quoted). */
function findDur(text: string, from: number, end: number): number | undefined {
  for (let p = from; p >= 0 && p < end; p = text.indexOf(';', p + 1)) {
    let k = p + 1;
    while (text.charCodeAt(k) === 32) k++;
    if ((text.charCodeAt(k) | 32) === 100 && (text.charCodeAt(k + 1) | 32) === 117 && (text.charCodeAt(k + 2) | 32) === 114 && text.charCodeAt(k + 3) === 61) {
      let stop = text.indexOf(';', k);
      if (stop < 0 || stop > end) stop = end;
      const ms = Number(text.slice(k + 4, stop).trim().replace(/^"|"$/g, ''));
      return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
    }
  }
  return undefined;
}
