/**
 * What the driver's main thread and its workers say to each other (src/load/workers/): a worker
 * is given its share of the load and the plan's inputs, sends the requests it recorded about once
 * a second, and its totals at the end.
 */
import type { DriveRequest, VuSample } from '../driver.js';
import type { RecordBatch } from '../recorder.js';
import type { PlanSource } from '../requestPlan.js';

/** The part of a DriveRequest that crosses to a worker: no functions, the plan as its inputs. */
export type WorkerShare = Omit<DriveRequest, 'plan' | 'onTick' | 'onStart' | 'workers'> & { plan: PlanSource };

/** First the worker's share (it answers `ready`), then the start, on the main side's clock. */
export type MainMessage = { type: 'share'; share: WorkerShare } | { type: 'start'; startAtMs: number };

export type WorkerMessage =
  | { type: 'ready' }
  /** Requests recorded since the last batch, and the VUs busy now. */
  | { type: 'records'; batch: RecordBatch; vus: number }
  | { type: 'done'; durationMs: number; vuSamples: VuSample[]; connErrors: Record<string, number>; droppedIterations?: number; requests: number; cpuMs: number | null }
  | { type: 'fatal'; message: string; usage: boolean };
