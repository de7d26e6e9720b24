import type { KindOutcome, TestKind } from './kind';
import { latencyMetrics, latencyParamsSchema, type LatencyParams } from './latency-schema';

export const latencyKind: TestKind<LatencyParams> = {
  name: 'latency',
  description: 'Closed-loop response time of one transaction type (tinybench), with percentiles and the wire-time floor.',
  paramsSchema: latencyParamsSchema,
  metrics: latencyMetrics,
  async run(): Promise<KindOutcome> {
    throw new Error('latency kind: not implemented yet');
  },
};
