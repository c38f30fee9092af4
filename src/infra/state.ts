import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomicFile.js';

/** What `couponbench up` leaves behind so that `run` can reuse it and `down` can stop it. */
export const InfraStateSchema = z.object({
  version: z.literal(1),
  dir: z.string(),
  mysqlUrl: z.string(),
  redisUrls: z.array(z.string()).min(1),
  pids: z.array(z.number().int()),
  startedAt: z.string(),
});
export type InfraState = z.infer<typeof InfraStateSchema>;

export function stateFile(): string {
  const dir = process.env.COUPONBENCH_STATE_DIR ?? join(tmpdir(), `couponbench-state-${process.getuid?.() ?? 'user'}`);
  return join(dir, 'infra.json');
}

export function readState(): InfraState | undefined {
  const file = stateFile();
  if (!existsSync(file)) return undefined;
  const parsed = InfraStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export async function writeState(state: InfraState): Promise<void> {
  const file = stateFile();
  mkdirSync(join(file, '..'), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(state, null, 2));
}

/** Forget the kept infra; the state directory goes too once it is empty. */
export function clearState(): void {
  const file = stateFile();
  rmSync(file, { force: true });
  try {
    rmdirSync(dirname(file));
  } catch {
    /* not empty, or already gone */
  }
}
