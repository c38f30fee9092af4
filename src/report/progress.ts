import chalk from 'chalk';
import type { DriveTick } from '../load/driver.js';
import { percentile } from '../load/summary.js';
import { classify } from '../outcomes.js';

/**
 * Live progress while the load runs: one rewritten line on a TTY, a plain line every
 * `everyS` seconds otherwise (CI logs). Reads the request log incrementally.
 */
export function progressPrinter(stream: NodeJS.WriteStream, quantity: number, everyS = 5): (tick: DriveTick) => void {
  let seen = 0;
  let issued = 0;
  let lastS = 0;
  let requestsAtLast = 0;
  const window: number[] = [];
  return (tick) => {
    const { log } = tick;
    const from = seen;
    for (let i = from; i < log.length; i++) {
      if (classify(log.observationOf(i)).class === 'success') issued++;
      if (log.status.get(i) > 0) window.push(log.latencyMs.get(i));
    }
    seen = log.length;
    const isTTY = stream.isTTY;
    if (!isTTY && Math.floor(tick.elapsedS) % everyS !== 0) return;
    const reqRate = (log.length - requestsAtLast) / Math.max(0.001, tick.elapsedS - lastS);
    requestsAtLast = log.length;
    const p95 = percentile(Float64Array.from(window).sort(), 95);
    window.length = 0;
    lastS = tick.elapsedS;
    const line =
      `${tick.elapsedS.toFixed(0).padStart(4)}s/${tick.totalS.toFixed(0)}s  vus ${String(tick.vus).padStart(5)}  ` +
      `req/s ${reqRate.toFixed(0).padStart(6)}  p95 ${p95.toFixed(1).padStart(7)}ms  issued ${issued}  stock ~${Math.max(0, quantity - issued)}`;
    if (isTTY) stream.write(`\r${chalk.dim(line)}\x1b[K`);
    else stream.write(`${line}\n`);
  };
}

export function endProgress(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\r\x1b[K');
}
