import chalk from 'chalk';
import { Resources, releaseOnSignals } from '../lifecycle.js';
import { NO_LIVE, type LiveSession } from '../live/session.js';
import { endProgress, progressPrinter } from '../report/progress.js';
import type { RunHooks } from '../run.js';
import { isLive, isNotice, type RunEvent } from '../timeline/events.js';
import { renderEvent } from '../timeline/render.js';

/** A line for the person watching (stderr, dimmed), never mixed into what stdout carries. */
export function say(message: string): void {
  process.stderr.write(`${chalk.dim(message)}\n`);
}

export interface Watchers {
  /** The progress line from the run's samples (`run`, unless quiet). */
  progress?: boolean;
  /** The dashboard and metric outputs (src/live/). */
  live?: LiveSession;
}

/**
 * Run `body` with everything it starts released on success, on error and on Ctrl-C; its events
 * go to the terminal (sentences; notices even when quiet) and to whatever watches the run live.
 */
export async function withResources<T>(quiet: boolean, body: (hooks: RunHooks) => Promise<T>, watchers: Watchers = {}): Promise<T> {
  const resources = new Resources();
  const unhook = releaseOnSignals(resources, () => {
    endProgress(process.stderr);
    const started = resources.names();
    say(started.length > 0 ? `interrupted: stopping what this run started (${started.reverse().join(', ')})` : 'interrupted: nothing was started yet');
  });
  const live = watchers.live ?? NO_LIVE;
  const progress = watchers.progress && !quiet ? progressPrinter(process.stderr) : undefined;
  const onEvent = (event: RunEvent) => {
    live.onEvent(event);
    if (isLive(event)) progress?.(event);
    else if (!quiet || isNotice(event)) say(renderEvent(event));
  };
  try {
    return await body({ resources, onEvent });
  } finally {
    endProgress(process.stderr);
    const failures = await resources.releaseAll();
    failures.forEach((f) => say(`cleanup: ${f}`));
    unhook();
  }
}
