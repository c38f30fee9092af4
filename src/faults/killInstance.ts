/**
 * SIGKILL one server instance: its in-flight transactions die with its connections. With a
 * duration (`kill-instance#2@3s:2s`) it is started again that long after, the same way it was
 * started first; without one it stays down.
 */
import type { FaultEvent } from './spec.js';
import { at, instanceOf, signal, signalTarget, type Fault } from './targets.js';

export const killInstance: Fault = {
  kind: 'kill-instance',
  actsOn: 'instance',
  instant: true,
  effects: ['kills-holder'],
  async inject(targets, spec) {
    const target = instanceOf(targets, spec);
    const { instance, pid } = target;
    const restart = spec.duration > 0 ? target.restart : undefined;
    if (spec.duration > 0 && !restart) throw new Error(`instance ${instance} cannot be started again here`);
    signal(signalTarget(target), 'SIGKILL');
    const events: FaultEvent[] = [{ type: 'killed', atS: at(targets), pid, restarted: Boolean(restart) }];
    return {
      target: `instance ${instance} (pid ${pid})`,
      events,
      heal: async () => {
        if (!restart) return;
        const started = await restart.call(target);
        events.push({ type: 'restarted', atS: at(targets), pid: started });
      },
    };
  },
};
