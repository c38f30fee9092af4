/**
 * A run's witnesses in words, for the terminal (under the integrity table) and the markdown:
 * the facts that cannot all be true, the faults in effect over the same span, and what the
 * nemesis saw of the lock then. The witness itself is a record (src/audit/witness.ts); faults
 * are joined here, on the report's one clock, so the audit never reads the nemesis.
 */
import { witnessSpan, type Witness } from '../audit/index.js';
import type { WitnessRequest } from '../audit/witness.js';
import { describeFaultEvent, faultLabel, type FaultEvent, type FaultRecord } from '../faults/spec.js';
import { phaseLabel } from '../serverTiming.js';
import { int } from './format.js';
import type { Report } from './schema.js';

const s = (x: number) => `${x.toFixed(2)} s`;
/** Requests of a window printed; the report keeps the rest. */
const PRINTED = 10;
const plural = (n: number, one: string, many = `${one}s`) => `${int(n)} ${n === 1 ? one : many}`;

/** The events that say who held the lock and when it changed hands. */
const LOCK_EVENTS = new Set<FaultEvent['type']>(['paused', 'lease-expired', 'second-holder', 'stall-armed']);

/** Each witness of the report as lines: a headline, the requests, the faults and lock events over its span. */
export function witnessLines(report: Pick<Report, 'witnesses' | 'faults'>): string[] {
  return report.witnesses.flatMap((w) => [headline(w), ...details(w).map((l) => `  ${l}`), ...context(w, report.faults).map((l) => `  ${l}`)]);
}

function headline(w: Witness): string {
  switch (w.kind) {
    case 'lost-decrements': {
      const told = w.requests.length + w.more;
      return (
        `witness (lost decrements): between ${s(w.fromS)} and ${s(w.toS)} the stock went from ${int(w.leftBefore)} to ${int(w.leftAfter)}, ` +
        `yet ${plural(told, 'user was', 'users were')} told "issued" for requests made wholly in between: at least ${int(w.missing)} of their decrements ${w.missing === 1 ? 'is' : 'are'} missing`
      );
    }
    case 'unanswered-records':
      return (
        `witness (lost decrements): ${plural(w.records, 'record was', 'records were')} written while the stock fell by ${int(w.fell)}, and the answers fit the fall ` +
        `(${int(w.told)} told "issued"): the ${plural(w.records - w.told, 'record')} beyond them came from requests that got no answer${heldBy(w.users.length + w.more)}`
      );
    case 'over-issue':
      return `witness (over-issue): the stock was ${int(w.stock)}, yet ${plural(w.beyond.length + w.more, 'more user holds', 'more users hold')} a coupon issued after the ${int(w.stock)}th`;
    case 'held-twice':
      return `witness (duplicate holders): ${plural(w.users.length + w.more, 'user holds', 'users hold')} more than one`;
    case 'lost-issue':
      return `witness (lost issues): ${plural(w.users.length + w.more, 'user was', 'users were')} told "issued" and ${w.users.length + w.more === 1 ? 'holds' : 'hold'} none`;
    case 'unexpected-issue':
      return `witness (unexpected issues): ${plural(w.users.length + w.more, 'user holds', 'users hold')} a coupon no answer explains`;
  }
}

const heldBy = (n: number) => (n === 0 ? '' : n === 1 ? ', held by this user' : `, held by these ${int(n)} users`);

/** A request as its span, answer and server phases; `who` names its user first. */
function requestLine(r: WitnessRequest, who = true): string {
  const phases = Object.entries(r.phases).map(([name, ms]) => `${phaseLabel(name)} ${ms.toFixed(1)} ms`);
  return `${who ? `user ${r.user}: ` : ''}${s(r.startS)}-${s(r.endS)} ${r.observation}${phases.length > 0 ? ` (${phases.join(', ')})` : ''}`;
}

function details(w: Witness): string[] {
  const more = (n: number, what: string) => (n > 0 ? [`... and ${plural(n, what)} more`] : []);
  if (w.kind === 'lost-decrements') {
    const unprinted = w.requests.length - Math.min(PRINTED, w.requests.length);
    return [...w.requests.slice(0, PRINTED).map((r) => requestLine(r)), ...(unprinted > 0 ? [`... and ${plural(unprinted + w.more, 'request')} more (${w.more > 0 ? `the first ${int(w.requests.length)}` : 'all'} in the JSON report)`] : [])];
  }
  const users = w.kind === 'over-issue' ? w.beyond : w.users;
  return [
    ...users.flatMap((u) => [`user ${u.user} holds ${int(u.held)}, asked ${plural(u.requests.length, 'time')}:`, ...u.requests.map((r) => `  ${requestLine(r, false)}`)]),
    ...more(w.more, 'user'),
  ];
}

/** The faults over the witness's span, and what the nemesis saw of the lock meanwhile. */
function context(w: Witness, faults: FaultRecord[]): string[] {
  const span = witnessSpan(w);
  if (!span) return [];
  const over = faults.filter((f) => f.startS <= span.toS && f.endS >= span.fromS);
  const lines = over.map((f) => `fault in effect: ${faultLabel(f)} ${s(f.startS)}-${s(f.endS)} on ${f.target}`);
  const lock = faults.flatMap((f) => f.events.filter((e) => LOCK_EVENTS.has(e.type) && 'atS' in e && e.atS >= span.fromS - 1 && e.atS <= span.toS));
  if (lock.length > 0) lines.push(`lock: ${lock.map(describeFaultEvent).join('; ')}`);
  if (faults.length > 0 && over.length === 0) lines.push('no fault was in effect over this span');
  return lines;
}
