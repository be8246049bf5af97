// Spike: from a calm baseline to 10x in 10 s, hold, and back: autoscaling and load shedding under a burst.
import { THRESHOLDS, mixedIteration } from './lib/common.js';

const BASE = Number(__ENV.RATE || 100);

export const options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: BASE,
      timeUnit: '1s',
      preAllocatedVUs: 100,
      maxVUs: 2000,
      stages: [
        { duration: '1m', target: BASE },
        { duration: '10s', target: BASE * 10 },
        { duration: '2m', target: BASE * 10 },
        { duration: '10s', target: BASE },
        { duration: '2m', target: BASE },
      ],
    },
  },
  // During a spike, shed load (503) and 429s are expected; latency must still hold.
  thresholds: { ...THRESHOLDS, http_req_failed: ['rate<0.05'] },
};

export default function () {
  mixedIteration();
}
