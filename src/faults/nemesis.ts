/**
 * The nemesis: runs the scenario's faults on the load's clock and keeps a record of each. It acts
 * on processes and never reads or writes what the audit judges.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestLog } from '../load/recorder.js';
import { FAULTS } from './index.js';
import type { FaultEvent, FaultRecord, FaultSpec } from './spec.js';
import type { FaultTargets, Injected } from './targets.js';

/** How long the end of a run waits for a fault still being started. */
const INJECT_LIMIT_MS = 10_000;

export interface Nemesis {
  /** End every fault still in effect (SIGCONT what is stopped); returns what happened, in order of start. */
  finish(): Promise<Omit<FaultRecord, 'livenessS'>[]>;
}

/** A fault took effect (`active`) or was healed, as it happens: for the live subscribers. */
export type FaultChange = (record: Omit<FaultRecord, 'livenessS' | 'events'>, active: boolean) => void;

export function startNemesis(specs: FaultSpec[], targets: FaultTargets, onChange: FaultChange = () => {}): Nemesis {
  const records: Array<Omit<FaultRecord, 'livenessS'>> = [];
  const active = new Set<{ injected: Injected; record: Omit<FaultRecord, 'livenessS'> }>();
  const timers: NodeJS.Timeout[] = [];
  /** Injections under way: finish waits for them, so nothing is stopped after the nemesis has finished. */
  const injecting: Promise<void>[] = [];
  const seconds = () => targets.clock() / 1000;

  /** Heals under way (a restart takes a while): finish waits for them, so their events are in the record. */
  const healing = new Set<Promise<void>>();
  const end = async (entry: { injected: Injected; record: Omit<FaultRecord, 'livenessS'> }) => {
    if (!active.delete(entry)) return;
    const healed = (async () => {
      await entry.injected.heal();
      entry.record.endS = seconds();
      onChange(entry.record, false);
    })();
    healing.add(healed);
    try {
      await healed;
    } finally {
      healing.delete(healed);
    }
  };

  const due = new Set(specs);
  for (const spec of specs) {
    const run = async () => {
      due.delete(spec);
      const record = { kind: spec.kind, ...(spec.link ? { link: spec.link } : {}), startS: seconds(), endS: seconds(), target: '', events: [] as FaultEvent[] };
      const slot = { ...record };
      records.push(slot);
      try {
        const injected = await FAULTS[spec.kind].inject(targets, spec);
        slot.target = injected.target;
        slot.events = injected.events;
        const entry = { injected, record: slot };
        active.add(entry);
        onChange(slot, true);
        if (spec.duration <= 0) await end(entry);
        else timers.push(setTimeout(() => void end(entry), spec.duration * 1000));
      } catch (err) {
        slot.events.push({ type: 'failed', message: (err as Error).message });
      }
    };
    timers.push(setTimeout(() => injecting.push(run()), Math.max(0, spec.at * 1000 - targets.clock())));
  }

  return {
    async finish() {
      timers.forEach(clearTimeout);
      // An injection that never returns must not hold up the end of the run (or a Ctrl-C).
      const stuck = await Promise.race([Promise.all(injecting).then(() => false), sleep(INJECT_LIMIT_MS, true, { ref: false })]);
      if (stuck) for (const r of records) if (!r.target) r.events.push({ type: 'failed', message: `still starting after ${INJECT_LIMIT_MS / 1000} s` });
      await Promise.all([...active].map(end));
      await Promise.allSettled([...healing]);
      for (const spec of due) records.push({ kind: spec.kind, ...(spec.link ? { link: spec.link } : {}), startS: spec.at, endS: spec.at, target: '-', events: [{ type: 'not-run' }] });
      return [...records].sort((a, b) => a.startS - b.startS);
    },
  };
}

/** Seconds from each fault's end to the first coupon issued after it (null when none was). */
export function withLiveness(records: Omit<FaultRecord, 'livenessS'>[], log: RequestLog): FaultRecord[] {
  const issuedAt: number[] = [];
  for (let i = 0; i < log.length; i++) if (log.observationOf(i) === 'issued') issuedAt.push((log.sentAtMs.get(i) + log.latencyMs.get(i)) / 1000);
  issuedAt.sort((a, b) => a - b);
  return records.map((r) => {
    const next = issuedAt.find((t) => t >= r.endS);
    return { ...r, livenessS: next === undefined ? null : Math.round((next - r.endS) * 1000) / 1000 };
  });
}
