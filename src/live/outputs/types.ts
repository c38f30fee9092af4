import type { LiveEvent } from '../../timeline/events.js';

/** A place the run's metrics go while it runs (`--out KIND=URL`), as k6's outputs. */
export interface LiveOutput {
  update(event: LiveEvent): void;
  /** Send what is left and stop; never throws (a metrics server that is down does not fail a run). */
  close(): Promise<void>;
}

/** What an output says when it cannot send (once per distinct problem). */
export type OutputProblem = (message: string) => void;
