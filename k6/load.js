// Constant load: a fixed arrival rate (RATE req/s, default 200) of the mixed workload for DURATION.
import { THRESHOLDS, mixedIteration } from './lib/common.js';

export const options = {
  scenarios: {
    constant: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 200),
      timeUnit: '1s',
      duration: __ENV.DURATION || '5m',
      preAllocatedVUs: 50,
      maxVUs: 500,
    },
  },
  thresholds: { ...THRESHOLDS, dropped_iterations: ['count<100'] },
};

export default function () {
  mixedIteration();
}
