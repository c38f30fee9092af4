/** Delay every chunk through a link by `amount` (plus up to `jitter`), each way: a slow network or an overloaded database. */
import { linkFault } from './targets.js';

export const latency = linkFault('latency', ['stalls-holder'], {
  start(link, spec, atS) {
    const seconds = spec.amount ?? 1;
    link.setLatency({ ms: seconds * 1000, jitterMs: (spec.jitter ?? 0) * 1000, direction: 'both' });
    return { type: 'link-slowed', atS, link: spec.link, seconds };
  },
  end: (link) => link.setLatency(undefined),
}, { takesAmount: true });
