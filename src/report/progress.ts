import chalk from 'chalk';
import type { LiveEvent } from '../timeline/events.js';
import { renderEvent } from '../timeline/render.js';

/**
 * Live progress while the load runs, from the run's per-second samples: one rewritten line on a
 * TTY, a plain line every `everyS` seconds otherwise (CI logs); and each violation as it is found.
 */
export function progressPrinter(stream: NodeJS.WriteStream, everyS = 5): (event: LiveEvent) => void {
  let quantity = 0;
  return (event) => {
    if (event.type === 'run-start') quantity = event.quantity;
    if (event.type === 'violation') {
      // Said as found, on a line of its own (not over the line being rewritten).
      endProgress(stream);
      stream.write(`${chalk.red(renderEvent(event))}\n`);
      return;
    }
    if (event.type !== 'sample') return;
    const s = event.sample;
    if (!stream.isTTY && Math.floor(s.atS) % everyS !== 0) return;
    const rate = s.rate.success + s.rate.refusal + s.rate.failure + s.rate.unknown;
    const stock = s.stockLeft === null ? `~${Math.max(0, quantity - s.issued)}` : String(s.stockLeft);
    const line =
      `${s.atS.toFixed(0).padStart(4)}s/${s.totalS.toFixed(0)}s  vus ${String(s.vus).padStart(5)}  ` +
      `req/s ${rate.toFixed(0).padStart(6)}  p95 ${s.latencyMs.p95.toFixed(1).padStart(7)}ms  issued ${s.issued}  stock ${stock}`;
    if (stream.isTTY) stream.write(`\r${chalk.dim(line)}\x1b[K`);
    else stream.write(`${line}\n`);
  };
}

export function endProgress(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\r\x1b[K');
}
