/**
 * A connection to a service's SQL database, whichever kind it is: what reset steps and probes
 * run on. Every failure is one line naming the step or probe, the statement and what the
 * database said.
 */
export type SqlRow = Record<string, unknown>;

export interface SqlSession {
  /** A statement that may write (a reset step). */
  run(text: string, where: string): Promise<SqlRow[]>;
  /** A read, in a read-only transaction that is rolled back, under the probe time limit. */
  probe(text: string, where: string): Promise<SqlRow[]>;
  /** The server's name and version, as the environment table prints it. */
  version(): Promise<string>;
  /** Close; `cut` when a statement is still on the wire (Ctrl-C during a probe) rather than wait for it. */
  close(cut: boolean): Promise<void>;
}

/** How a session is opened: `limitS` is the probe time limit (audit.timeout). */
export interface SqlSessionOptions {
  url: string;
  limitS: number;
  /** Probes only: the session is read-only and time-limited. */
  forProbes: boolean;
}
