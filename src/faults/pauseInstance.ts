/** SIGSTOP one server instance for the duration, then SIGCONT: a frozen container, a long GC pause. */
import { at, freeze, instanceOf, type Fault } from './targets.js';

export const pauseInstance: Fault = {
  kind: 'pause-instance',
  needsLocalInfra: false,
  async inject(targets, spec) {
    const { instance, pid } = instanceOf(targets, spec);
    const thaw = freeze(pid);
    const events = [`paused at ${at(targets)}`];
    return {
      target: `instance ${instance} (pid ${pid})`,
      events,
      heal: async () => {
        thaw();
        events.push(`resumed at ${at(targets)}`);
      },
    };
  },
};
