/** Refuse new connections on a link until it heals; open ones go on (a dependency that stopped accepting). */
import { linkFault } from './targets.js';

export const down = linkFault('down', ['cuts-connections'], {
  async start(link, spec, atS) {
    await link.setDown(true);
    return { type: 'link-down', atS, link: spec.link };
  },
  end: (link) => link.setDown(false),
});
