/**
 * One request in flight at a time, the latest state sent next: a push that falls behind skips
 * to the newest values rather than queueing every second it missed. Failures are reported once
 * per distinct message and never thrown.
 */
import type { OutputProblem } from './types.js';

const CLOSE_LIMIT_MS = 5_000;

export function sendQueue(send: () => Promise<void>, problem: OutputProblem): { push(): void; drain(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  let again = false;
  const said = new Set<string>();
  const run = (): Promise<void> =>
    send()
      .catch((err: Error) => {
        const message = whyFailed(err);
        if (said.has(message)) return;
        said.add(message);
        problem(message);
      })
      .then(() => {
        if (!again) return void (inFlight = undefined);
        again = false;
        return (inFlight = run());
      });
  return {
    push() {
      if (inFlight) again = true;
      else inFlight = run();
    },
    async drain() {
      const limit = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_LIMIT_MS).unref());
      while (inFlight) await Promise.race([inFlight, limit.then(() => (inFlight = undefined))]);
    },
  };
}

/** fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, a bad certificate) is its cause. */
function whyFailed(err: Error): string {
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause ? `${err.message} (${cause})` : err.message;
}
