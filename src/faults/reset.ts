/** Reset every open connection on a link (TCP RST), at once: a failover, a dropped NAT entry. */
import type { FaultEvent } from './spec.js';
import { at, linkOf, type Fault } from './targets.js';

export const reset: Fault = {
  kind: 'reset',
  needsLocalInfra: false,
  instant: true,
  onLink: true,
  async inject(targets, spec) {
    const link = linkOf(targets, spec);
    const events: FaultEvent[] = [{ type: 'link-reset', atS: at(targets), link: spec.link!, connections: link.resetAll() }];
    return { target: `${spec.link} link (127.0.0.1:${link.port})`, events, heal: async () => {} };
  },
};
