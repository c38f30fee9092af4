/** Exit codes are part of the CLI contract; the README lists them. */
export const ExitCode = {
  ok: 0,
  integrityFailed: 1,
  usage: 2,
  infrastructure: 3,
  internal: 4,
  thresholdsFailed: 99,
  interrupted: 130,
} as const;

/** Something the user can fix by changing flags or files. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
}

/** A database, cache, port or binary we depend on is missing or unreachable. */
export class InfraError extends Error {
  readonly exitCode = ExitCode.infrastructure;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof InfraError) return err.exitCode;
  return ExitCode.internal;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
