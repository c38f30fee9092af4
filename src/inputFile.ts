/**
 * Files the user names as inputs (a target, a scenario, a CA, a strategy plugin, a history): each
 * read with a bound, so /dev/zero, a 17 GB file or a line without end is one clear refusal
 * instead of a process that grows until it dies. Regular files and pipes (`<(zcat h.gz)`) are
 * read; devices, sockets and folders are refused by what they are.
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import { UsageError } from './errors.js';

/** How large an input file may be, by kind. */
export const INPUT_LIMITS = {
  /** A target or scenario file: a few kB in practice. */
  settings: 1 << 20,
  /** A PEM bundle of CA certificates. */
  certificate: 1 << 20,
  /** A strategy plugin module. */
  module: 4 << 20,
  /** A report (its per-second series included). */
  report: 256 << 20,
  /** One line of a history (a k6 Point is under 1 kB). */
  historyLine: 64 << 10,
} as const;

function mb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 1)} MB` : `${Math.round(bytes / 1024)} kB`;
}

/** What a path that is not a regular file is, as a refusal names it. */
export function kindName(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Inputs may be regular files or pipes; anything else is named. */
function kindOf(s: Stats): string | undefined {
  return s.isFile() || s.isFIFO() ? undefined : kindName(s);
}

/** Refuse what cannot be an input file (a device, a socket, a folder, a file beyond `limit`); `what` names it ("target file x.yaml"). */
export function assertInputFile(file: string, what: string, limit: number): Stats {
  let s: Stats;
  try {
    s = statSync(file);
  } catch {
    throw new UsageError(`${what} does not exist`);
  }
  const kind = kindOf(s);
  if (kind) throw new UsageError(`${what} is ${kind}, not a file`);
  if (s.isFile() && s.size > limit) throw new UsageError(`${what} is ${mb(s.size)}; an input of this kind is at most ${mb(limit)}`);
  return s;
}

/** The same, for an input that is read in one go by a library (a module import, a CA): a pipe is refused too. */
export function assertRegularFile(file: string, what: string, limit: number): void {
  if (!assertInputFile(file, what, limit).isFile()) throw new UsageError(`${what} is a named pipe, not a file`);
}

/** The whole file as text, at most `limit` bytes (a pipe that says more is refused). */
export async function readInputFile(file: string, what: string, limit: number): Promise<string> {
  assertInputFile(file, what, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  const input = createReadStream(file);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new UsageError(`${what} is over ${mb(limit)}; an input of this kind is at most ${mb(limit)}`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${what} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    input.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The lines of a stream, none longer than `limit` bytes: `tooLong(lineNo)` makes the refusal.
 * Unlike readline, a stream with no line break (/dev/zero) ends at the limit instead of growing.
 */
export async function* boundedLines(input: AsyncIterable<Buffer>, limit: number, tooLong: (lineNo: number) => Error): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let lineNo = 0;
  for await (const chunk of input) {
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, i));
      pendingSize += i - start;
      if (pendingSize > limit) throw tooLong(lineNo + 1);
      lineNo++;
      yield Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
      pending = [];
      pendingSize = 0;
      start = i + 1;
    }
    pending.push(chunk.subarray(start));
    pendingSize += chunk.length - start;
    if (pendingSize > limit) throw tooLong(lineNo + 1);
  }
  if (pendingSize > 0) yield Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
}
