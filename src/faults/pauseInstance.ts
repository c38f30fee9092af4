/** SIGSTOP one server instance for the duration, then SIGCONT: a frozen container, a long GC pause. */
import { at, instanceOf, signal, type Fault } from './targets.js';

export const pauseInstance: Fault = {
  kind: 'pause-instance',
  needsLocalInfra: false,
  async inject(targets, spec) {
    const { instance, pid } = instanceOf(targets, spec);
    signal(pid, 'SIGSTOP');
    const events = [`paused at ${at(targets)}`];
    return {
      target: `instance ${instance} (pid ${pid})`,
      events,
      heal: async () => {
        signal(pid, 'SIGCONT');
        events.push(`resumed at ${at(targets)}`);
      },
    };
  },
};
