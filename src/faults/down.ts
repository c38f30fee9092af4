/** Refuse new connections on a link until it heals; open ones go on (a dependency that stopped accepting). */
import type { FaultEvent } from './spec.js';
import { at, linkOf, type Fault } from './targets.js';

export const down: Fault = {
  kind: 'down',
  needsLocalInfra: false,
  instant: false,
  onLink: true,
  async inject(targets, spec) {
    const link = linkOf(targets, spec);
    await link.setDown(true);
    const events: FaultEvent[] = [{ type: 'link-down', atS: at(targets), link: spec.link! }];
    return {
      target: `${spec.link} link (127.0.0.1:${link.port})`,
      events,
      heal: async () => {
        await link.setDown(false);
        events.push({ type: 'link-restored', atS: at(targets), link: spec.link! });
      },
    };
  },
};
