// Workflow: a user posts events, reads their recommendations, submits a job and polls it until done.
import { check, sleep } from 'k6';
import {
  THRESHOLDS,
  getJob,
  getRecommendations,
  jobCompletion,
  postEvents,
  randomUser,
  submitJob,
} from './lib/common.js';

const JOB_TYPE = __ENV.JOB_TYPE || 'recommendations.recompute';

export const options = {
  scenarios: {
    workflow: {
      executor: 'ramping-vus',
      startVUs: 1,
      stages: [
        { duration: '1m', target: Number(__ENV.VUS || 50) },
        { duration: __ENV.DURATION || '5m', target: Number(__ENV.VUS || 50) },
        { duration: '30s', target: 0 },
      ],
    },
  },
  thresholds: { ...THRESHOLDS, job_completion_ms: ['p(95)<10000'] },
};

export default function () {
  const userId = randomUser();
  postEvents(userId, 5);
  getRecommendations(userId);

  const submitted = submitJob(JOB_TYPE, { userId });
  if (submitted.status !== 202) return;
  const id = submitted.json('id');
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    sleep(0.5);
    const res = getJob(id);
    const state = res.status === 200 ? res.json('state') : undefined;
    if (state === 'completed' || state === 'failed') {
      check(res, { 'job completed': () => state === 'completed' });
      jobCompletion.add(Date.now() - started);
      return;
    }
  }
  check(null, { 'job finished within 10 s': () => false });
}
