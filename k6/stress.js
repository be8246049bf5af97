// Stress: ramp the arrival rate step by step until the platform breaks; read where p95 crosses 500 ms.
import { THRESHOLDS, mixedIteration } from './lib/common.js';

const STEP = Number(__ENV.STEP || 200);

export const options = {
  scenarios: {
    stress: {
      executor: 'ramping-arrival-rate',
      startRate: STEP,
      timeUnit: '1s',
      preAllocatedVUs: 200,
      maxVUs: 5000,
      stages: [1, 2, 3, 4, 5, 6].flatMap((n) => [
        { duration: '30s', target: STEP * n },
        { duration: '2m', target: STEP * n },
      ]),
    },
  },
  // abortOnFail stops the run once the platform is past its limit.
  thresholds: {
    ...THRESHOLDS,
    http_req_duration: [{ threshold: 'p(95)<500', abortOnFail: true, delayAbortEval: '1m' }, 'p(99)<1000'],
  },
};

export default function () {
  mixedIteration();
}
