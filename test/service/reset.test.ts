/**
 * What a target's reset steps and started service leave behind (issue 24, item 11): a shell step
 * cut short by Ctrl-C or kill -9 stops with couponbench, and a service command that detaches
 * (setsid ... &) is found by its mark and stopped, its port free again. Real processes, found by
 * an environment mark every child inherits.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { canConnect } from '../../src/infra/ports.js';
import { processesMarked } from '../fixtures/processes.js';
import { redisSetTarget } from '../fixtures/redisSet.js';
import { writeTarget } from '../fixtures/shop.js';
import { BIN } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-reset-'));

async function within(ms: number, done: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return done();
}

function start(args: string[]) {
  const mark = randomUUID();
  const child = execa('node', [BIN, ...args], { reject: false, env: { COUPONBENCH_TEST_MARK: mark, FORCE_COLOR: '0' }, cwd: dir });
  return { child, mark };
}

describe('a shell reset step stops with couponbench', () => {
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`${signal} during the step stops it: it never finishes on its own`, async () => {
      const marker = join(dir, `finished-${signal}`);
      const target = await redisSetTarget(`shell-${signal}`, 'correct', `SHELL-${signal}`, inject('redisUrls')[0]!, (t) => {
        // Long enough that a loaded machine's late guard still stops it first (2 s was not, twice).
        t.reset.unshift({ shell: `sleep 4 && touch ${marker}` });
        delete t.service;
        t.request.url = 'http://127.0.0.1:9/api/coupons/{couponId}/issue';
      });
      const { child, mark } = start(['reset', '--target', writeTarget(dir, `shell-${signal}.yaml`, target), '--quantity', '5']);
      expect(await within(10_000, () => processesMarked(mark).some((l) => l.includes('sleep 4')))).toBe(true);
      const seen = Date.now();
      child.kill(signal);
      const r = await child;
      // What it stops is what it started, by name (issue 24: it spoke of a server and databases it never started).
      if (signal === 'SIGINT') expect(r.stderr).toMatch(/interrupted: stopping what this run started \(reset step 1 \(pid \d+\)/);
      expect(await within(5000, () => !processesMarked(mark).some((l) => l.includes('sleep 4')))).toBe(true);
      // Past the time the step would have finished on its own: it never did.
      await new Promise((r) => setTimeout(r, Math.max(0, seen + 4500 - Date.now())));
      expect(existsSync(marker)).toBe(false);
    });
  }
});

describe('a service that detaches', () => {
  it('is stopped by its mark, and its port is free, when its command runs it in a session of its own (setsid ... &)', async () => {
    const target = await redisSetTarget('detached', 'correct', 'DETACHED', inject('redisUrls')[0]!, (t) => {
      t.service.command = `setsid ${t.service.command} &`;
    });
    const port = target.service.ports[0] as number;
    const { child, mark } = start(['run', '--target', writeTarget(dir, 'detached.yaml', target), '--quantity', '20', '--vus', '5', '--duration', '1s', '-q', '--out', join(dir, 'detached.json')]);
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await within(3000, async () => !(await canConnect(port)))).toBe(true);
    expect(processesMarked(mark).filter((l) => l.includes('redis-set.mjs'))).toEqual([]);
  });
});
