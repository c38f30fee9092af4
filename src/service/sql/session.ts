/**
 * A connection to a service's SQL database, whichever kind it is: what reset steps and probes
 * run on. Every failure is one line naming the step or probe, the statement and what the
 * database said.
 *
 * A probe session is held to these (docs/refusals.md, "What a probe can and cannot do"):
 * exactly one statement per probe (never text-split), in a read-only transaction rolled back,
 * under the probe time limit on the server and on our side (a statement still running then is
 * cancelled on the server), and a login that cannot write files, run programs or end other
 * sessions unless the file accepts one (`audit.allowPrivilegedProbes`).
 */
export type SqlRow = Record<string, unknown>;

export interface SqlSession {
  /** A statement that may write (a reset step). */
  run(text: string, where: string): Promise<SqlRow[]>;
  /** A read: one statement, in a read-only transaction that is rolled back, under the probe time limit. */
  probe(text: string, where: string): Promise<SqlRow[]>;
  /** The server's name and version, as the environment table prints it. */
  version(): Promise<string>;
  /** Close; `cut` when a statement is still on the wire (Ctrl-C during a probe): cancel it on the server rather than wait for it. */
  close(cut: boolean): Promise<void>;
}

/** How a session is opened: `limitS` is the probe time limit (audit.timeout). */
export interface SqlSessionOptions {
  url: string;
  limitS: number;
  /** Probes only: the session is read-only and time-limited, and its login is checked for rights beyond reading. */
  forProbes: boolean;
  /** The file accepts a probe login that may write files, run programs or end sessions (audit.allowPrivilegedProbes). */
  allowPrivileged?: boolean;
}

/** Rights a probe login must not have, as the refusal names them. */
export function privilegedRefusal(login: string, rights: string[]): string {
  return (
    `audit: the probes log in as ${login}, which has ${rights.join(', ')}: a probe could write files, run programs or end other sessions on the database host, ` +
    'which a read-only transaction does not stop. Give audit.url a login that only reads, or set audit.allowPrivilegedProbes: true to accept it'
  );
}

/** How long our side waits past the server's own limit before it cancels the statement itself. */
const CLIENT_GRACE_MS = 1000;

/**
 * The statements a session has on the wire, and our side of the time limit: a guarded statement
 * still running `CLIENT_GRACE_MS` past the limit is cancelled on the server (`cancel`, from a
 * second connection), as is any statement when the session is cut short (Ctrl-C).
 */
export class StatementWatch {
  private running = 0;

  constructor(
    private readonly limitS: number,
    private readonly cancel: () => Promise<void>,
  ) {}

  async around<T>(guarded: boolean, work: () => Promise<T>): Promise<T> {
    this.running++;
    const guard = guarded ? setTimeout(() => void this.cancel(), Math.ceil(this.limitS * 1000) + CLIENT_GRACE_MS) : undefined;
    try {
      return await work();
    } finally {
      clearTimeout(guard);
      this.running--;
    }
  }

  /** Cancel what is still running, if anything. */
  async cut(): Promise<void> {
    if (this.running > 0) await this.cancel();
  }
}

/** Names called in a statement (`name(`), lower-cased: the functions a probe may run. */
export function calledNames(text: string): string[] {
  return [...new Set([...text.matchAll(/([A-Za-z_][\w$]*)"?\s*\(/g)].map((m) => m[1]!.toLowerCase()))];
}

export function definerRefusal(where: string, name: string, owner: string): string {
  return `${where}: calls ${name}(), which runs with the rights of ${owner} (SECURITY DEFINER), not the probe login's: a probe may not call it`;
}
