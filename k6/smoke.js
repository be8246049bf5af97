// Smoke: one user for 30 s, every route once per iteration. Run before anything heavier.
import http from 'k6/http';
import { check, sleep } from 'k6';
import {
  BASE_URL,
  THRESHOLDS,
  getBatchRecommendations,
  getRecommendations,
  postEvents,
} from './lib/common.js';

export const options = {
  vus: 1,
  duration: '30s',
  thresholds: { ...THRESHOLDS, cache_hit_rate: ['rate>0'] },
};

export default function () {
  check(http.get(`${BASE_URL}/readyz`), { 'readyz: 200': (r) => r.status === 200 });
  postEvents(1);
  getRecommendations(1);
  getRecommendations(1);
  getBatchRecommendations([1, 2, 3]);
  sleep(1);
}
