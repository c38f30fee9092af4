/** The one place a run's events become the sentences printed on stderr. */
import { describeFaultEvent } from '../faults/spec.js';
import type { LiveViolation } from '../audit/liveCheck.js';
import { int } from '../report/format.js';
import type { TerminalEvent } from './events.js';

const hostOf = (url: string) => new URL(url).host;

export function renderEvent(e: TerminalEvent): string {
  switch (e.type) {
    case 'infra-asked':
      return `infra: ${e.choice}`;
    case 'infra-up': {
      const mysql = e.mysql ? `, mysql ${hostOf(e.mysql)}` : '';
      const postgres = e.postgres ? `, postgres ${hostOf(e.postgres)}` : '';
      return `infra: ${e.kind}${e.shared ? ' (kept running)' : ''}${mysql}${postgres}, redis ${e.redis.map(hostOf).join(' ')}`;
    }
    case 'calibrated': {
      const c = e.calibration;
      return `calibrated at ${c.connections} connections: conditional update ${Math.round(c.ceilings['conditional-update'])} tx/s, select for update ${Math.round(c.ceilings['select-for-update'])} tx/s`;
    }
    case 'seeded':
      return `seeded coupon ${e.couponId} with ${e.quantity} units, ${e.userPool} users (${e.ms} ms)`;
    case 'link-open':
      return `link: ${e.link} through 127.0.0.1:${e.port} -> ${e.upstream}`;
    case 'server-up':
      return `server: ${e.instances} instances of ${e.strategy} on ${e.url}`;
    case 'service-started':
      return `service: instance ${e.instance} (pid ${e.pid}) on port ${e.port}: ${e.command}`;
    case 'tls-insecure':
      return `warning: tls.insecure: ${e.target}'s certificate is not checked; anyone between couponbench and it could answer in its place`;
    case 'reset-step':
      return `reset step ${e.step}/${e.of}  ${e.text}`;
    case 'not-reset':
      return `${e.flag ? '--no-reset' : 'no reset steps'}: nothing was reset; Q0 = ${e.quantity} ${stockRead(e.capacity)}`;
    case 'stock-after-reset':
      return `after the reset the stock is ${e.quantity} (${stockRead(e.capacity)}), not --quantity ${e.asked}; the audit uses ${e.quantity}`;
    case 'issued-before':
      return `${e.count} issued records before the load; the audit counts only those added`;
    case 'load-target':
      return `load: ${e.target} at ${e.url}`;
    case 'fault': {
      const f = e.record;
      return `fault ${f.kind} ${f.startS.toFixed(2)}-${f.endS.toFixed(2)} s on ${f.target}: ${f.events.map(describeFaultEvent).join('; ')}`;
    }
    case 'write-behind': {
      const p = e.persistence;
      return `write-behind: ${p.persisted} of ${p.claimed} winners in MySQL after ${(p.settleMs / 1000).toFixed(1)} s${p.drained ? '' : ' (not drained)'}`;
    }
    case 'settle-unsettled':
      return `settle: the probes still changed after ${e.settleS}s; auditing the last read`;
    case 'history-written':
      return `history: ${e.file} (${e.requests} requests)`;
    case 'matrix-skip':
      return `matrix: skipping ${e.fault}${e.target ? ` for ${e.target}` : ''}: ${e.reason}`;
    case 'matrix-item':
      return `matrix: ${e.label}${e.of > 1 ? ` (run ${e.run} of ${e.of})` : ''}`;
    case 'stop-failed':
      return `could not stop ${e.what}`;
    case 'hunt-try': {
      const saw = e.broke ? `BROKE: ${e.broke}` : [e.lockBroken ? 'the lock changed hands' : '', e.slowdown >= 1.5 ? `${e.slowdown.toFixed(1)}x slower under the fault` : ''].filter(Boolean).join(', ') || 'nothing changed';
      return `hunt: try ${e.n}: ${e.schedule}: ${saw} (${e.leftS}s left${e.best && !e.broke ? `; best lead: ${e.best}` : ''})`;
    }
    case 'hunt-confirmed':
      return e.smallest ? `hunt: confirm the smallest: ${e.schedule} broke it in ${e.broke} of ${e.of} runs${e.broke > 0 ? '' : '; back to a larger one'}` : `hunt: ${e.schedule} broke it in ${e.broke} of ${e.of} runs; shrinking`;
    case 'hunt-shrink':
      return `hunt: shrink: ${e.change}: ${e.broke ? 'still breaks it, kept' : 'no break, dropped'}`;
    case 'violation':
      return `violation at ${e.atS.toFixed(1)} s: ${describeViolation(e.violation)}`;
  }
}

function describeViolation(v: LiveViolation): string {
  switch (v.kind) {
    case 'lost-decrements':
      return `at least ${int(v.atLeast)} lost decrements (stock read ${int(v.left)} at ${v.readS.toFixed(2)} s after ${int(v.toldBefore)} were told issued)`;
    case 'over-issue':
      return `at least ${int(v.atLeast)} over-issued (${int(v.told)} told issued)`;
    case 'negative-stock':
      return `negative stock (${int(v.left)} read at ${v.readS.toFixed(2)} s)`;
  }
}

const stockRead = (capacity: number | undefined) => (capacity === undefined ? 'read with audit.quantity' : `left of audit.capacity ${capacity}`);
