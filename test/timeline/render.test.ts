/** The one renderer of the run's typed events, and which of them are notices (shown under --quiet). */
import { describe, expect, it } from 'vitest';
import { isNotice, type TerminalEvent } from '../../src/timeline/events.js';
import { renderEvent } from '../../src/timeline/render.js';

describe('run events', () => {
  it('each becomes the one sentence the terminal prints', () => {
    const lines: Array<[TerminalEvent, string]> = [
      [{ type: 'infra-up', kind: 'local', shared: true, mysql: 'mysql://root@127.0.0.1:41000/', redis: ['redis://127.0.0.1:41001', 'redis://127.0.0.1:41002'] }, 'infra: local (kept running), mysql 127.0.0.1:41000, redis 127.0.0.1:41001 127.0.0.1:41002'],
      [{ type: 'seeded', couponId: 7, quantity: 100, userPool: 1000, ms: 12 }, 'seeded coupon 7 with 100 units, 1000 users (12 ms)'],
      [{ type: 'fault', record: { kind: 'pause-holder', startS: 1, endS: 3.5, target: 'server#1', events: [{ type: 'paused', atS: 1.02, pid: 42, holding: 'lock:{coupon:7}' }, { type: 'resumed', atS: 3.5 }] } as never }, 'fault pause-holder 1.00-3.50 s on server#1: pid 42 held lock:{coupon:7} at 1.02 s, paused; resumed at 3.50 s'],
      [{ type: 'not-reset', flag: true, quantity: 30 }, '--no-reset: nothing was reset; Q0 = 30 read with audit.quantity'],
      [{ type: 'not-reset', flag: false, quantity: 30, capacity: 50 }, 'no reset steps: nothing was reset; Q0 = 30 left of audit.capacity 50'],
      [{ type: 'stock-after-reset', quantity: 28, asked: 30 }, 'after the reset the stock is 28 (read with audit.quantity), not --quantity 30; the audit uses 28'],
      [{ type: 'matrix-item', label: 'redis-spin + pause-holder', run: 2, of: 3 }, 'matrix: redis-spin + pause-holder (run 2 of 3)'],
      [{ type: 'matrix-item', label: 'redis-spin', run: 1, of: 1 }, 'matrix: redis-spin'],
      [{ type: 'matrix-skip', fault: 'latency#redis', reason: 'a redis link fault needs a single Redis node: a cluster redirects clients past the proxy' }, 'matrix: skipping latency#redis: a redis link fault needs a single Redis node: a cluster redirects clients past the proxy'],
      [{ type: 'matrix-skip', fault: 'pause-holder', target: 'shop', reason: 'pause-holder needs service.lockHolder' }, 'matrix: skipping pause-holder for shop: pause-holder needs service.lockHolder'],
      [{ type: 'reset-step', step: 1, of: 2, text: 'shell: ./reset.sh', shell: true }, 'reset step 1/2  shell: ./reset.sh'],
      [{ type: 'violation', runId: 'r', atS: 3, violation: { kind: 'lost-decrements', atLeast: 1176, readS: 2.92, left: 4064, toldBefore: 2112 } }, 'violation at 3.0 s: at least 1,176 lost decrements (stock read 4,064 at 2.92 s after 2,112 were told issued)'],
      [{ type: 'violation', runId: 'r', atS: 4, violation: { kind: 'over-issue', atLeast: 2, told: 102 } }, 'violation at 4.0 s: at least 2 over-issued (102 told issued)'],
      [{ type: 'violation', runId: 'r', atS: 5, violation: { kind: 'negative-stock', atLeast: 1, readS: 4.95, left: -1 } }, 'violation at 5.0 s: negative stock (-1 read at 4.95 s)'],
    ];
    for (const [event, line] of lines) expect(renderEvent(event)).toBe(line);
  });

  it('a shell step and an unchecked certificate are notices; progress is not', () => {
    expect(isNotice({ type: 'reset-step', step: 1, of: 1, text: 'shell: x', shell: true })).toBe(true);
    expect(isNotice({ type: 'reset-step', step: 1, of: 1, text: 'sql: DELETE FROM orders', shell: false })).toBe(false);
    expect(isNotice({ type: 'tls-insecure', target: 'shop' })).toBe(true);
    expect(isNotice({ type: 'seeded', couponId: 1, quantity: 1, userPool: 1, ms: 1 })).toBe(false);
  });

});
