/**
 * The one place a fault reaches into the server (slow-holder, src/faults/slowHolder.ts): the
 * primary tells an instance over IPC to stall its next lock holder, and the critical section
 * sleeps there, between its read and its write, as a holder frozen by a GC pause would.
 */
import { setTimeout as sleep } from 'node:timers/promises';

let stallMs = 0;

export function stallNextHolder(ms: number): void {
  stallMs = ms;
}

export async function stallIfAsked(): Promise<void> {
  if (stallMs <= 0) return;
  const ms = stallMs;
  stallMs = 0;
  await sleep(ms);
}
