// Shared settings, metrics and requests for every k6 scenario.
// Run: k6 run -e BASE_URL=http://localhost:8080 -e API_KEY=<key> k6/<scenario>.js
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/$/, '');
export const API_KEY = __ENV.API_KEY || '';
/** Users the scenarios read and write: 1..USERS. */
export const USERS = Number(__ENV.USERS || 1000);

/** Share of recommendation reads served from a cache layer (X-Cache: HIT-L1 / HIT-L2). */
export const cacheHits = new Rate('cache_hit_rate');
/** Requests refused by the rate limiter (429). */
export const rateLimited = new Counter('rate_limit_hits');
/** Time from submitting a job to seeing it finished (workflow scenario). */
export const jobCompletion = new Trend('job_completion_ms', true);

/** The bar every scenario is held to; scenarios may add their own. */
export const THRESHOLDS = {
  http_req_duration: ['p(95)<500', 'p(99)<1000'],
  http_req_failed: ['rate<0.01'],
  checks: ['rate>0.99'],
};

// A 429 is the limiter doing its job, not a failure of the platform: count it apart.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 404, 429));

export function headers(extra = {}) {
  return { 'x-api-key': API_KEY, 'content-type': 'application/json', ...extra };
}

export function randomUser() {
  return 1 + Math.floor(Math.random() * USERS);
}

function record(res) {
  if (res.status === 429) rateLimited.add(1);
  return res;
}

export function getRecommendations(userId) {
  const res = record(
    http.get(`${BASE_URL}/v1/users/${userId}/recommendations`, {
      headers: headers(),
      tags: { name: 'GET /v1/users/:userId/recommendations' },
    }),
  );
  if (res.status === 200) {
    cacheHits.add(String(res.headers['X-Cache'] || '').startsWith('HIT'));
  }
  check(res, { 'recommendations: 200, 404 or 429': (r) => [200, 404, 429].includes(r.status) });
  return res;
}

export function getBatchRecommendations(userIds) {
  const res = record(
    http.get(`${BASE_URL}/v1/recommendations?user_ids=${userIds.join(',')}`, {
      headers: headers(),
      tags: { name: 'GET /v1/recommendations' },
    }),
  );
  check(res, { 'batch: 200 or 429': (r) => r.status === 200 || r.status === 429 });
  return res;
}

export function postEvents(userId, count = 1) {
  const events = [];
  for (let i = 0; i < count; i++) {
    events.push({
      userId,
      type: Math.random() < 0.7 ? 'search' : 'purchase',
      category: `category-${Math.floor(Math.random() * 20)}`,
    });
  }
  const body = count === 1 ? events[0] : { events };
  const res = record(
    http.post(`${BASE_URL}/v1/events`, JSON.stringify(body), {
      headers: headers(),
      tags: { name: 'POST /v1/events' },
    }),
  );
  check(res, { 'events: 202 or 429': (r) => r.status === 202 || r.status === 429 });
  return res;
}

export function submitJob(type, payload, priority = 'normal') {
  const res = record(
    http.post(`${BASE_URL}/v1/jobs`, JSON.stringify({ type, payload, priority }), {
      headers: headers(),
      tags: { name: 'POST /v1/jobs' },
    }),
  );
  check(res, { 'job: 202, 429 or 503': (r) => [202, 429, 503].includes(r.status) });
  return res;
}

export function getJob(id) {
  const res = record(
    http.get(`${BASE_URL}/v1/jobs/${id}`, { headers: headers(), tags: { name: 'GET /v1/jobs/:id' } }),
  );
  check(res, { 'job status: 200 or 429': (r) => r.status === 200 || r.status === 429 });
  return res;
}

/** The mix most scenarios replay: mostly cached reads, some batch reads, some writes. */
export function mixedIteration() {
  const roll = Math.random();
  if (roll < 0.7) getRecommendations(randomUser());
  else if (roll < 0.9) getBatchRecommendations([randomUser(), randomUser(), randomUser()]);
  else postEvents(randomUser());
}
