/** The metric outputs by `--out` kind, one file per format. */
import type { OutputKind } from '../spec.js';
import { otlpOutput } from './otlp.js';
import { prometheusOutput } from './prometheus.js';
import type { LiveOutput, OutputProblem } from './types.js';

export const OUTPUTS: Record<OutputKind, (url: string, problem: OutputProblem) => LiveOutput> = {
  prometheus: prometheusOutput,
  otlp: otlpOutput,
};
