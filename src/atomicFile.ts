import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { kindName } from './inputFile.js';

async function tempBeside(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  return join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/**
 * The file a write to `file` replaces: a symlink is followed (the link stays a link), and an
 * existing path that is not a regular file (/dev/null, a pipe, a folder) is refused, since a
 * rename into place would replace the device or pipe itself with a file.
 */
export async function writablePath(file: string, what = 'the output'): Promise<string> {
  if (file.trim() === '') throw new UsageError(`${what}: an empty path; give a file path`);
  const link = await lstat(file).catch(() => undefined);
  let path = file;
  if (link?.isSymbolicLink()) {
    path = await realpath(file).catch(() => {
      throw new UsageError(`${what} ${file} is a symbolic link to nothing; give a file path`);
    });
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) throw new UsageError(`${what} ${file} is ${kindName(existing)}, not a file: couponbench writes a file in its place; give a file path`);
  return path;
}

/** Write to a temp file beside the target, then rename: readers see the old file or the new one. */
export async function writeFileAtomic(to: string, content: string): Promise<void> {
  const file = await writablePath(to);
  const temp = await tempBeside(file);
  try {
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** The same for content too large to build as one string: `fill` writes chunks (waiting on back-pressure), then the file is renamed into place. */
export async function writeStreamAtomic(to: string, fill: (write: (chunk: string) => Promise<void>) => Promise<void>): Promise<void> {
  const file = await writablePath(to);
  const temp = await tempBeside(file);
  const out = createWriteStream(temp);
  try {
    await fill(async (chunk) => {
      if (!out.write(chunk)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'close');
    await rename(temp, file);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Refuse, before anything starts, an output path the run could not write at its end: its nearest
 * existing folder must take a new file (a probe file is made and removed there), and the path
 * must not be a folder. `what` names the flag in the one-line error.
 */
export async function assertWritable(file: string, what: string): Promise<void> {
  const path = resolve(await writablePath(file, what));
  await probeFolder(dirname(path), `${what} ${file}`);
}

/** One path for one file, however it is written (./a, a, a link to a): existing parts resolved. */
async function samePathKey(file: string): Promise<string> {
  const whole = await realpath(file).catch(() => undefined);
  if (whole) return whole;
  const folder = await realpath(dirname(resolve(file))).catch(() => dirname(resolve(file)));
  return join(folder, basename(file));
}

/**
 * Every output of a command, checked before anything starts: writable, a file (not a device, pipe
 * or folder), and none of them the same file as an input (the target file, a history read) or as
 * another output (--out X --history X would keep only one). `outputs` and `inputs` map a flag to
 * its path(s); absent flags are undefined.
 */
export async function assertOutputs(outputs: Record<string, string | undefined>, inputs: Record<string, string | string[] | undefined> = {}): Promise<void> {
  const seen = new Map<string, string>();
  for (const [flag, path] of Object.entries(inputs)) {
    // Only a file that is there can be overwritten (a bundled scenario's name is no file here).
    for (const p of [path ?? []].flat()) {
      const key = p === '' ? undefined : await realpath(p).catch(() => undefined);
      if (key) seen.set(key, `the ${flag} file`);
    }
  }
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    await assertWritable(path, flag);
    const key = await samePathKey(path);
    const other = seen.get(key);
    if (other) throw new UsageError(`${flag} ${path} is ${other}: it would be overwritten; give ${flag} a path of its own`);
    seen.set(key, `the ${flag} file`);
  }
}

/** The same for a folder files will be written into (created if missing). */
export async function assertFolderWritable(folder: string, what: string): Promise<void> {
  const existing = await stat(folder).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`${what} ${folder} is not a folder`);
  await probeFolder(resolve(folder), `${what} ${folder}`);
}

async function probeFolder(folder: string, what: string): Promise<void> {
  let dir = folder;
  for (;;) {
    const s = await stat(dir).catch(() => undefined);
    if (s) {
      if (!s.isDirectory()) throw new UsageError(`${what} cannot be written: ${dir} is not a folder`);
      break;
    }
    dir = dirname(dir);
  }
  const probe = join(dir, `.couponbench-write-check.${process.pid}.${Date.now()}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (err) {
    throw new UsageError(`${what} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} in ${dir}); choose another path`);
  }
  await rm(probe, { force: true });
}
