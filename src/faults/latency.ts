/** Delay every chunk through a link by `amount` (plus up to `jitter`), each way: a slow network or an overloaded database. */
import type { FaultEvent } from './spec.js';
import { at, linkOf, type Fault } from './targets.js';

export const latency: Fault = {
  kind: 'latency',
  needsLocalInfra: false,
  instant: false,
  onLink: true,
  async inject(targets, spec) {
    const link = linkOf(targets, spec);
    const seconds = spec.amount ?? 1;
    link.setLatency({ ms: seconds * 1000, jitterMs: (spec.jitter ?? 0) * 1000, direction: 'both' });
    const events: FaultEvent[] = [{ type: 'link-slowed', atS: at(targets), link: spec.link!, seconds }];
    return {
      target: `${spec.link} link (127.0.0.1:${link.port})`,
      events,
      heal: async () => {
        link.setLatency(undefined);
        events.push({ type: 'link-restored', atS: at(targets), link: spec.link! });
      },
    };
  },
};
