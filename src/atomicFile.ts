import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

async function tempBeside(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  return join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** Write to a temp file beside the target, then rename: readers see the old file or the new one. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
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
export async function writeStreamAtomic(file: string, fill: (write: (chunk: string) => Promise<void>) => Promise<void>): Promise<void> {
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
  const path = resolve(file);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${what} ${file} is a folder; give a file path`);
  await probeFolder(dirname(path), `${what} ${file}`);
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
