import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

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
