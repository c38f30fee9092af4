/** Hold everything on a link: connections stay open and nothing moves until it heals (a hung network path). */
import type { FaultEvent } from './spec.js';
import { at, linkOf, type Fault } from './targets.js';

export const stall: Fault = {
  kind: 'stall',
  needsLocalInfra: false,
  instant: false,
  onLink: true,
  async inject(targets, spec) {
    const link = linkOf(targets, spec);
    link.setStalled(true);
    const events: FaultEvent[] = [{ type: 'link-stalled', atS: at(targets), link: spec.link! }];
    return {
      target: `${spec.link} link (127.0.0.1:${link.port})`,
      events,
      heal: async () => {
        link.setStalled(false);
        events.push({ type: 'link-restored', atS: at(targets), link: spec.link! });
      },
    };
  },
};
