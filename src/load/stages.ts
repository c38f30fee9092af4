import type { Stage } from '../config.js';

export interface StageSchedule {
  startVUs: number;
  stages: Stage[];
}

/**
 * Virtual users that should be active `t` seconds into the run, with k6's ramping-vus meaning:
 * each stage moves linearly from the previous target (startVUs for the first stage) to its own
 * target over its duration; a VU is added (or removed) only once its whole share of the ramp has
 * elapsed, so the count truncates toward the previous target and reaches `target` exactly at the
 * stage's end. A zero-length stage jumps at once.
 */
export function vusAt(schedule: StageSchedule, t: number): number {
  let from = schedule.startVUs;
  let stageStart = 0;
  for (const stage of schedule.stages) {
    const stageEnd = stageStart + stage.duration;
    if (t < stageEnd) {
      const progress = (t - stageStart) / stage.duration;
      return from + Math.trunc((stage.target - from) * progress + 1e-9 * Math.sign(stage.target - from));
    }
    from = stage.target;
    stageStart = stageEnd;
  }
  return t <= stageStart ? from : 0;
}

export function scheduleDuration(schedule: StageSchedule): number {
  return schedule.stages.reduce((sum, s) => sum + s.duration, 0);
}
