/** `matrix --hunt`'s table, from hunts of systems of the test's own (the real hunt is tested end to end in test/hunt/). */
import { describe, expect, it } from 'vitest';
import { huntTable, type HuntOutcome } from '../../src/commands/hunt.js';
import type { RunConfig } from '../../src/config.js';
import { hunt } from '../../src/hunt/index.js';
import { huntSpace } from '../../src/hunt/space.js';
import type { Trial, TrialResult } from '../../src/hunt/types.js';

const offer = { system: { kind: 'service' as const, started: true }, instances: 1, lockHolder: false, links: ['mysql' as const], ownInfra: false, serverHook: false };
const load = { vus: 10, durationS: 6 };
const result = (broke: boolean): TrialResult => ({ broke, ...(broke ? { broken: '4 lost decrements' } : {}), lockBroken: false, slowdown: 1, unknown: 0, failed: 0, notActed: false });

async function hunted(name: string, breaks: (t: Trial) => boolean): Promise<HuntOutcome> {
  let now = 0;
  const r = await hunt({ space: huntSpace(offer, load), runner: async (t) => ((now += 10_000), result(breaks(t))), budgetMs: 60_000, seed: 3, clock: () => now });
  return { system: { target: undefined as never, given: `${name}.yaml`, name, out: `hunt-${name}.json` }, base: {} as RunConfig, result: r };
}

describe('matrix --hunt table', () => {
  it('says what broke each system with its smallest schedule, and what was covered for the rest', async () => {
    const slowMysql = (t: Trial) => t.faults.some((f) => f.kind === 'latency' && (f.amount ?? 0) >= 1);
    const table = huntTable([await hunted('lease-shop', slowMysql), await hunted('correct-shop', () => false)]);
    const lines = table.split('\n');
    const row = (name: string) => lines.find((l) => l.includes(name)) ?? '';
    expect(row('lease-shop')).toMatch(/│ lease-shop\s+│ BROKEN\s+│ latency#mysql=[\d.]+m?s@/);
    expect(table).toMatch(/4 lost decrements/);
    expect(row('correct-shop')).toMatch(/│ correct-shop\s+│ unbroken\s+│ after \d+ tries: /);
    expect(table).toMatch(/latency#mysql/);
  });
});
