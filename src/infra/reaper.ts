import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { builtModule } from '../paths.js';
import type { ProcessRef } from './process.js';

/** couponbench's end of the pipe to its reaper (see reaperMain.ts). */
export interface Reaper {
  watch(daemon: ProcessRef): void;
  /** A file that names what the reaper would stop (a kept infra's state): removed with it. */
  removeWith(file: string): void;
  /** We stopped everything ourselves: the reaper may exit without touching anything. */
  release(): void;
}

/** Start a reaper for `dir`. It does not keep couponbench's event loop alive. */
export function startReaper(dir: string): Reaper {
  const child = spawn(process.execPath, [builtModule('src/infra/reaperMain.js'), dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  const stdin = child.stdin!;
  (stdin as unknown as Socket).unref();
  stdin.on('error', () => {});
  const send = (line: string) => {
    if (!stdin.destroyed) stdin.write(`${line}\n`);
  };
  return {
    watch: (d) => send(`watch ${d.pid} ${d.startTime}`),
    removeWith: (file) => send(`file ${encodeURIComponent(file)}`),
    release: () => {
      send('release');
      stdin.end();
    },
  };
}
