import chalk from 'chalk';
import { Resources, releaseOnSignals } from '../lifecycle.js';
import { endProgress } from '../report/progress.js';
import type { RunHooks } from '../run.js';
import { isNotice } from '../timeline/events.js';
import { renderEvent } from '../timeline/render.js';

/** A line for the person watching (stderr, dimmed), never mixed into what stdout carries. */
export function say(message: string): void {
  process.stderr.write(`${chalk.dim(message)}\n`);
}

/** Run `body` with everything it starts released on success, on error and on Ctrl-C. */
export async function withResources<T>(quiet: boolean, body: (hooks: RunHooks) => Promise<T>): Promise<T> {
  const resources = new Resources();
  const unhook = releaseOnSignals(resources, () => {
    endProgress(process.stderr);
    const started = resources.names();
    say(started.length > 0 ? `interrupted: stopping what this run started (${started.reverse().join(', ')})` : 'interrupted: nothing was started yet');
  });
  try {
    return await body({ resources, onEvent: (event) => (!quiet || isNotice(event) ? say(renderEvent(event)) : undefined) });
  } finally {
    endProgress(process.stderr);
    const failures = await resources.releaseAll();
    failures.forEach((f) => say(`cleanup: ${f}`));
    unhook();
  }
}
