/** SIGKILL one server instance; it is not restarted. Its in-flight transactions die with its connections. */
import { at, instanceOf, signal, type Fault } from './targets.js';

export const killInstance: Fault = {
  kind: 'kill-instance',
  needsLocalInfra: false,
  instant: true,
  onLink: false,
  async inject(targets, spec) {
    const { instance, pid } = instanceOf(targets, spec);
    signal(pid, 'SIGKILL');
    return { target: `instance ${instance} (pid ${pid})`, events: [{ type: 'killed', atS: at(targets), pid, restarted: false }], heal: async () => {} };
  },
};
