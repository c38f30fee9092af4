/** Hold everything on a link: connections stay open and nothing moves until it heals (a hung network path). */
import { linkFault } from './targets.js';

export const stall = linkFault('stall', ['stalls-holder'], {
  start(link, spec, atS) {
    link.setStalled(true);
    return { type: 'link-stalled', atS, link: spec.link };
  },
  end: (link) => link.setStalled(false),
});
