/**
 * What watches a run while it runs: the dashboard and the metric outputs a command's flags ask
 * for, fed every event of the run. Opened before the run starts (a taken port is refused before
 * anything else starts), closed after the command has printed its result.
 */
import { isLive, type RunEvent } from '../timeline/events.js';
import { startDashboard, type Dashboard } from './dashboard/server.js';
import { OUTPUTS } from './outputs/index.js';
import type { LiveOutput } from './outputs/types.js';
import type { LiveSpec } from './spec.js';

export interface LiveSession {
  onEvent(event: RunEvent): void;
  /** Send what the outputs hold and stop the dashboard; with --dashboard-keep and a command that finished, wait for Ctrl-C first. */
  close(finished: boolean): Promise<void>;
}

export const NO_LIVE: LiveSession = { onEvent: () => {}, close: async () => {} };

/**
 * A command's body watched live: the session is open while it runs and closed after, whatever
 * happens. --dashboard-keep holds the page only when the body got to its result: a command that
 * failed says why at once rather than after Ctrl-C.
 */
export async function withLive<T>(spec: LiveSpec | undefined, title: string, say: (line: string) => void, body: (live: LiveSession) => Promise<T>): Promise<T> {
  const live = await openLive(spec, title, say);
  let finished = false;
  try {
    const result = await body(live);
    finished = true;
    return result;
  } finally {
    await live.close(finished);
  }
}

async function openLive(spec: LiveSpec | undefined, title: string, say: (line: string) => void): Promise<LiveSession> {
  if (!spec || (!spec.dashboard && spec.outputs.length === 0)) return NO_LIVE;
  const dashboard: Dashboard | undefined = spec.dashboard ? await startDashboard(spec.dashboard.port, title) : undefined;
  if (dashboard) say(`dashboard: ${dashboard.url}`);
  const outputs: LiveOutput[] = spec.outputs.map((o) => {
    say(`output: ${o.kind} ${o.url}`);
    return OUTPUTS[o.kind](o.url, (problem) => say(`warning: ${problem}`));
  });
  return {
    onEvent(event) {
      dashboard?.publish(event);
      if (isLive(event)) outputs.forEach((o) => o.update(event));
    },
    async close(finished) {
      await Promise.all(outputs.map((o) => o.close()));
      if (!dashboard) return;
      if (spec.dashboard?.keep && finished) {
        say(`dashboard: ${dashboard.url} stays up (--dashboard-keep); Ctrl-C to stop`);
        await untilInterrupted();
      }
      await dashboard.close();
    },
  };
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
