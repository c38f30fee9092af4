/** Reset every open connection on a link (TCP RST), at once: a failover, a dropped NAT entry. */
import { linkFault } from './targets.js';

export const reset = linkFault('reset', ['cuts-connections'], {
  start: (link, spec, atS) => ({ type: 'link-reset', atS, link: spec.link, connections: link.resetAll() }),
});
