import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding package.json, whether we run from src/ (tests) or dist/src/ (CLI). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the couponbench package root');
    dir = parent;
  }
  return dir;
}

/** A compiled module under dist/, for code that must fork a JS entry point (cluster workers). */
export function builtModule(relativeToRoot: string): string {
  return join(packageRoot(), 'dist', relativeToRoot);
}
