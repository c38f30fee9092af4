/** A request plan built again from its inputs, in a driver worker. */
import { targetPlan } from '../../service/requestPlan.js';
import { embeddedPlan, type PlanSource, type RequestPlan } from '../requestPlan.js';

export function planFrom(source: PlanSource): RequestPlan {
  return source.kind === 'embedded' ? embeddedPlan(source.baseUrl, source.path, source.ports) : targetPlan(source.target, source.run, source.timeoutMs, source.ports);
}
