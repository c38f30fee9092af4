/** What the page is sent for each event: live events as they are, a search's steps as the terminal words them, nothing else. */
import { describe, expect, it } from 'vitest';
import { pageMessage } from '../../../src/live/dashboard/messages.js';

describe('pageMessage', () => {
  it("sends the hunt's tries and a matrix's items as the terminal's lines, live events as they are, and leaves setup chatter out", () => {
    expect(pageMessage({ type: 'hunt-try', n: 3, schedule: 'pause-holder@1s:2s', lockBroken: true, slowdown: 1, leftS: 40 })).toEqual({
      type: 'note',
      text: 'hunt: try 3: pause-holder@1s:2s: the lock changed hands (40s left)',
    });
    expect(pageMessage({ type: 'matrix-item', label: 'redis-spin', run: 1, of: 2 })).toEqual({ type: 'note', text: 'matrix: redis-spin (run 1 of 2)' });
    const start = { type: 'run-start', runId: 'r', system: 's', scenario: 'smoke', quantity: 1, totalS: 2 } as const;
    expect(pageMessage(start)).toBe(start);
    expect(pageMessage({ type: 'seeded', couponId: 1, quantity: 1, userPool: 1, ms: 1 })).toBeUndefined();
  });
});
