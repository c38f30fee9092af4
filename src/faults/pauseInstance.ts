/** SIGSTOP one server instance for the duration, then SIGCONT: a frozen container, a long GC pause. */
import { at, freeze, frozen, instanceOf, signalTarget, type Fault } from './targets.js';

export const pauseInstance: Fault = {
  kind: 'pause-instance',
  actsOn: 'instance',
  instant: false,
  effects: ['stalls-holder'],
  async inject(targets, spec) {
    const target = instanceOf(targets, spec);
    const { instance, pid } = target;
    return frozen(targets, freeze(signalTarget(target)), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance }]);
  },
};
