/**
 * Reads of the stock left while the load runs, one at a time, on the load's clock: what a
 * witness (src/audit/witness.ts) bounds a window with. Read-only; a reading that fails or
 * stalls (the database paused by a fault) is simply missing, never a failed run.
 */
import type { StockReading } from '../audit/witness.js';

export const STOCK_READ_EVERY_MS = 100;

export interface StockWatch {
  /** Stop reading: the readings so far (one still on the wire, stalled by a fault perhaps, is not waited for). */
  stop(): StockReading[];
  /** The last reading, for the live sample and checks; null before the first answer. */
  latest(): StockReading | null;
}

export function watchStock(read: () => Promise<number>, clock: () => number, everyMs = STOCK_READ_EVERY_MS): StockWatch {
  const readings: StockReading[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  void (async () => {
    while (!stopped) {
      const sentMs = clock();
      try {
        const left = await read();
        if (!stopped) readings.push({ sentS: Math.round(sentMs) / 1000, answeredS: Math.round(clock()) / 1000, left });
      } catch {
        // A missing reading only widens the windows a witness can draw.
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, everyMs).unref();
      });
    }
  })();
  return {
    latest: () => readings.at(-1) ?? null,
    stop() {
      stopped = true;
      wake?.();
      return [...readings];
    },
  };
}
