/**
 * Who a private infra directory ($TMPDIR/couponbench-*) belongs to, so that a later start can
 * tell a live one from the leftovers of a couponbench that was killed, and clean those up.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isRunning, startTimeOf, stopProcess } from './process.js';
import { clearState, readState } from './state.js';

export const INFRA_DIR_PREFIX = 'couponbench-';
const OWNER_FILE = 'owner.json';

const ProcessRefSchema = z.object({ pid: z.number().int(), startTime: z.string() });

export const OwnerSchema = z.object({
  owner: ProcessRefSchema,
  /** Kept by `couponbench up`: outlives its owner, and is stale only once a daemon died. */
  kept: z.boolean(),
  daemons: z.array(ProcessRefSchema.extend({ name: z.string() })),
});
export type Owner = z.infer<typeof OwnerSchema>;

export function writeOwner(dir: string, owner: Owner): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
}

export function thisProcess(): { pid: number; startTime: string } {
  return { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' };
}

function readOwner(dir: string): Owner | undefined {
  try {
    return OwnerSchema.parse(JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Stale: its owner is gone (and, if kept by `up`, a daemon died too). Directories without an owner file are not ours to judge. */
function isStale(owner: Owner): boolean {
  if (owner.kept) return !owner.daemons.every(isRunning);
  return !isRunning(owner.owner);
}

/** Stop the daemons and remove the directories left by couponbench processes that are gone. Returns the directories removed. */
export async function sweepStaleInfra(parent = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(INFRA_DIR_PREFIX)) continue;
    const dir = join(parent, name);
    const owner = readOwner(dir);
    if (!owner || !isStale(owner)) continue;
    await Promise.all(owner.daemons.map((d) => stopProcess(d)));
    rmSync(dir, { recursive: true, force: true });
    if (owner.kept && readState()?.dir === dir) clearState();
    removed.push(dir);
  }
  return removed;
}
