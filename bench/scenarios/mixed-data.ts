import { HALF_LIFE_DAYS, PURCHASE_WEIGHT, SEARCH_WEIGHT } from '@platform/recommendations';
import type { OpenLoopRequest } from '../support/open-loop';
import { CATEGORIES, eventWrite, mulberry32, zipfSampler } from '../support/workload';

/** The `mixed` scenario's data: 100k users seeded in SQL, L2 warmed like a running service, the request mix. */
export const SEQUENCE_LENGTH = 200_000;
export const BATCH_SIZE = 10;
/** Timestamps as the worker writes them (Date.toISOString). */
const ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/**
 * Users u1..uN, each with 1-5 events in 20 categories, and a recommendations row derived from them
 * (the shape the worker writes), all generated in SQL.
 */
export async function seed(
  run: (sql: string, params?: unknown[]) => Promise<unknown>,
  users: number,
  apiKeyId: string,
) {
  await run(
    `INSERT INTO user_events (tenant_id, user_id, type, category, occurred_at, api_key_id)
     SELECT (SELECT tenant_id FROM api_keys WHERE id = $2), 'u' || i,
            CASE WHEN (i + j) % 4 = 0 THEN 'purchase' ELSE 'search' END,
            ($3::text[])[1 + ((i * 7 + j * 3) % 20)],
            now() - make_interval(secs => (i + j) % 86400),
            $2
       FROM generate_series(1, $1::int) AS i, generate_series(1, 5) AS j
      WHERE j <= 1 + i % 5`,
    [users, apiKeyId, CATEGORIES],
  );
  await run(
    `INSERT INTO recommendations (tenant_id, user_id, body)
     SELECT tenant_id, user_id, jsonb_build_object(
              'userId', user_id,
              'weightage', jsonb_object_agg(category, w),
              'search_weight', jsonb_object_agg(category, s),
              'purchase_weight', jsonb_object_agg(category, p),
              'recommended_categories', to_jsonb((array_agg(category ORDER BY w DESC, category))[1:5]),
              'explore_categories', '["books","electronics","garden"]'::jsonb,
              'metadata', jsonb_build_object(
                'searches', sum(searches), 'purchases', sum(purchases), 'categories', count(*),
                'lastEventAt', to_char(max(last_at) AT TIME ZONE 'UTC', $4),
                'computedAt', to_char(now() AT TIME ZONE 'UTC', $4),
                'model', jsonb_build_object('searchWeight', $1::float8, 'purchaseWeight', $2::float8,
                                            'halfLifeDays', $3::float8)))
       FROM (SELECT tenant_id, user_id, category,
                    count(*) FILTER (WHERE type = 'search') AS searches,
                    count(*) FILTER (WHERE type = 'purchase') AS purchases,
                    count(*) FILTER (WHERE type = 'search') * $1::float8 AS s,
                    count(*) FILTER (WHERE type = 'purchase') * $2::float8 AS p,
                    count(*) FILTER (WHERE type = 'search') * $1::float8
                      + count(*) FILTER (WHERE type = 'purchase') * $2::float8 AS w,
                    max(occurred_at) AS last_at
               FROM user_events GROUP BY tenant_id, user_id, category) per_category
      GROUP BY tenant_id, user_id`,
    // The scoring's own constants, so the seeded rows are what the worker would write.
    [SEARCH_WEIGHT, PURCHASE_WEIGHT, HALF_LIFE_DAYS, ISO_UTC],
  );
  await run('ANALYZE user_events');
  await run('ANALYZE recommendations');
}

/**
 * 70 % cached single reads, 20 % batch reads of BATCH_SIZE ids, 10 % event writes, user ranks Zipf (s = 1),
 * requests rotating over `keys`.
 */
export function drawMix(users: number, keys: string[]): OpenLoopRequest[] {
  const random = mulberry32(42);
  const rank = zipfSampler(users, random);
  const requests: OpenLoopRequest[] = [];
  for (let i = 0; i < SEQUENCE_LENGTH; i += 1) {
    const key = keys[i % keys.length];
    const headers = { 'x-api-key': key };
    const roll = random();
    if (roll < 0.7) {
      requests.push({ kind: 'read', method: 'GET', path: `/v1/users/u${rank()}/recommendations`, headers });
    } else if (roll < 0.9) {
      const ids = Array.from({ length: BATCH_SIZE }, () => `u${rank()}`).join(',');
      requests.push({ kind: 'batch', method: 'GET', path: `/v1/recommendations?user_ids=${ids}`, headers });
    } else {
      requests.push(eventWrite(rank(), random, key));
    }
  }
  return requests;
}

/**
 * Batch reads of every user (500 ids per request, 8 at a time, spread over the bench's keys): loads and
 * caches each value once. A refused batch (429 from a key's bucket, 503 from load shedding or an
 * exhausted pool) is retried after the
 * Retry-After it carries, as a client would; every status is counted for the report instead of aborting.
 */
export async function warmL2(
  apiUrl: string,
  apiKeys: string[],
  users: number,
): Promise<Record<string, number>> {
  const chunk = 500;
  const statusCounts: Record<string, number> = {};
  let next = 1;
  // Each lane reads with its own key: a batch read costs one token per id, so one key's bucket would
  // refuse most of the warm-up and leave part of the users out of L2.
  const lane = async (laneIndex: number) => {
    const apiKey = apiKeys[laneIndex % apiKeys.length];
    while (next <= users) {
      const from = next;
      next += chunk;
      const ids = Array.from({ length: Math.min(chunk, users - from + 1) }, (_, i) => `u${from + i}`);
      for (let attempt = 0; attempt < 30; attempt += 1) {
        const response = await fetch(`${apiUrl}/v1/recommendations?user_ids=${ids.join(',')}`, {
          headers: { 'x-api-key': apiKey },
        });
        const body = await response.text();
        // A refusal's error code and message (`overloaded (eventLoopDelay)`, `database_busy`…) say why.
        const label = response.ok ? String(response.status) : `${response.status} ${refusal(body)}`;
        statusCounts[label] = (statusCounts[label] ?? 0) + 1;
        if (response.status !== 503 && response.status !== 429) break;
        const retryAfterSeconds = Number(response.headers.get('retry-after') ?? 1) || 1;
        await new Promise((r) => setTimeout(r, retryAfterSeconds * 1000));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => lane(i)));
  return statusCounts;
}

function refusal(body: string): string {
  try {
    const { error, message } = JSON.parse(body) as { error?: unknown; message?: unknown };
    const cause = typeof message === 'string' ? /\(([^)]+)\)/.exec(message)?.[1] : undefined;
    return [typeof error === 'string' ? error : '', cause ? `(${cause})` : ''].join(' ').trim();
  } catch {
    return body.slice(0, 80);
  }
}

/** Mean body size of the first `sample` users' cached single reads, to size the hello baseline's body. */
export async function meanReadBytes(apiUrl: string, apiKey: string, sample = 20): Promise<number> {
  let total = 0;
  for (let i = 1; i <= sample; i += 1) {
    const response = await fetch(`${apiUrl}/v1/users/u${i}/recommendations`, {
      headers: { 'x-api-key': apiKey },
    });
    total += (await response.arrayBuffer()).byteLength;
  }
  return Math.round(total / sample);
}
