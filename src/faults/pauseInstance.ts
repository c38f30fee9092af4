/** SIGSTOP one server instance for the duration, then SIGCONT: a frozen container, a long GC pause. */
import { at, freeze, frozen, instanceOf, type Fault } from './targets.js';

export const pauseInstance: Fault = {
  kind: 'pause-instance',
  needsLocalInfra: false,
  instant: false,
  onLink: false,
  async inject(targets, spec) {
    const { instance, pid } = instanceOf(targets, spec);
    return frozen(targets, freeze(pid), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance }]);
  },
};
