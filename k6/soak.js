// Soak: moderate constant load for hours (DURATION, default 2h): leaks, pool exhaustion, queue growth.
import { THRESHOLDS, mixedIteration } from './lib/common.js';

export const options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 100),
      timeUnit: '1s',
      duration: __ENV.DURATION || '2h',
      preAllocatedVUs: 50,
      maxVUs: 300,
    },
  },
  thresholds: { ...THRESHOLDS, cache_hit_rate: ['rate>0.8'] },
};

export default function () {
  mixedIteration();
}
