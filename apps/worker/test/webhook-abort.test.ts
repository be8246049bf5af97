import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { AdmittedProducer } from '@platform/queue';
import { generateWebhookSecret } from '@platform/webhooks';
import {
  createTestDatabase,
  deleteRedisKeys,
  openTestQueue,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** One POST as the receiver saw it: when it arrived and when its connection closed. */
interface Arrival {
  at: number;
  closedAt?: number;
}

/**
 * A receiver that answers a status line, then one header byte every 200 ms and never finishes: the
 * socket is never idle, so only a deadline, the breaker or the job's signal can end the attempt.
 */
async function startSlowReceiver(): Promise<{
  server: Server;
  url: string;
  host: string;
  arrivals: Arrival[];
}> {
  const arrivals: Arrival[] = [];
  const server = createServer((req) => {
    const arrival: Arrival = { at: performance.now() };
    arrivals.push(arrival);
    const socket = req.socket;
    const timer = setInterval(() => socket.write('a'), 200);
    socket.on('close', () => {
      clearInterval(timer);
      arrival.closedAt = performance.now();
    });
    req.resume();
    req.on('end', () => socket.write('HTTP/1.1 200 OK\r\nx-slow: '));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, host: `127.0.0.1:${port}`, arrivals };
}

/** Scheduling on two shared cores: how late an abort may close the socket. */
const SLACK_MS = 500;

/**
 * A timed-out attempt must not keep sending while its retry starts: whatever ends a try (the job's
 * timeout, the breaker's timeout, a worker shutdown), the HTTP request ends with it.
 */
describe('webhook attempts end with their job try (real worker, Redis, Postgres, receiver)', () => {
  let db: TestDatabase;
  let apiKeyId: string;
  let worker: RunningApp | undefined;
  let receiver: Awaited<ReturnType<typeof startSlowReceiver>> | undefined;
  let prefix: string | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    apiKeyId = (await issueApiKey(db.dataSource, 'abort', 'pro')).id;
  });
  afterAll(async () => {
    await db?.drop();
  });
  afterEach(async () => {
    await worker?.close();
    receiver?.server.closeAllConnections();
    await new Promise<void>((r) => (receiver ? receiver.server.close(() => r()) : r()));
    await deleteRedisKeys(prefix);
    worker = receiver = prefix = undefined;
  });

  async function deliverTo(
    env: Record<string, string>,
    configure?: (host: string) => Record<string, string>,
  ) {
    receiver = await startSlowReceiver();
    const settings = testEnv({
      DATABASE_URL: db.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_DELIVERY_TIMEOUT_MS: '2500',
      ...env,
      ...configure?.(receiver.host),
    });
    prefix = settings.REDIS_KEY_PREFIX;
    worker = await startInProcess('worker', settings);
    const [subscription] = await db.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO webhook_subscriptions (tenant_id, api_key_id, url, events, secret)
       SELECT tenant_id, id, $2, $3, $4 FROM api_keys WHERE id = $1 RETURNING id`,
      [apiKeyId, receiver.url, ['recommendations.updated'], generateWebhookSecret()],
    );
    await worker.app.get(AdmittedProducer).enqueue('webhook.deliver', {
      deliveryId: randomUUID(),
      subscriptionId: subscription.id,
      event: 'recommendations.updated',
      data: { userId: 'u1' },
    });
    return receiver.arrivals;
  }

  /** Every attempt's connection closed before the next attempt arrived. */
  function expectNoOverlap(arrivals: Arrival[]) {
    for (let i = 1; i < arrivals.length; i += 1) {
      const previous = arrivals[i - 1];
      expect(previous.closedAt, `attempt ${i} still open when attempt ${i + 1} arrived`).toBeDefined();
      expect(previous.closedAt!).toBeLessThanOrEqual(arrivals[i].at);
    }
  }

  it('the breaker never times out an attempt before its own deadline ends it (no overlapping retry)', async () => {
    const arrivals = await deliverTo({
      QUEUE_OVERRIDES: JSON.stringify({ webhooks: { attempts: 2, backoffDelayMs: 100 } }),
    });
    await waitFor(
      async () => arrivals.length >= 2 && arrivals[1].closedAt,
      'two attempts, both over',
      20_000,
    );
    expectNoOverlap(arrivals);
    // Each attempt ran to the delivery deadline (2.5 s), not to the breaker's old 1.5 s.
    expect(arrivals[0].closedAt! - arrivals[0].at).toBeGreaterThan(2_000);
    expect(arrivals[0].closedAt! - arrivals[0].at).toBeLessThan(2_500 + SLACK_MS);
  });

  it('a breaker timeout shorter than the deadline aborts the request with the attempt', async () => {
    const arrivals = await deliverTo(
      { QUEUE_OVERRIDES: JSON.stringify({ webhooks: { attempts: 2, backoffDelayMs: 100 } }) },
      (host) => ({ CIRCUIT_BREAKERS: JSON.stringify({ [`webhook:${host}`]: { timeoutMs: 800 } }) }),
    );
    await waitFor(
      async () => arrivals.length >= 2 && arrivals[1].closedAt,
      'two attempts, both over',
      20_000,
    );
    expectNoOverlap(arrivals);
    expect(arrivals[0].closedAt! - arrivals[0].at).toBeLessThan(800 + SLACK_MS);
  });

  it('the job timeout aborts the request in flight', async () => {
    const arrivals = await deliverTo({
      QUEUE_OVERRIDES: JSON.stringify({ webhooks: { attempts: 2, backoffDelayMs: 100, timeoutMs: 800 } }),
    });
    await waitFor(
      async () => arrivals.length >= 2 && arrivals[1].closedAt,
      'two attempts, both over',
      20_000,
    );
    expectNoOverlap(arrivals);
    expect(arrivals[0].closedAt! - arrivals[0].at).toBeLessThan(800 + SLACK_MS);
  });

  it('a worker shutdown past its deadline aborts the request and hands the job back', async () => {
    const arrivals = await deliverTo({ WORKER_SHUTDOWN_DEADLINE_MS: '300' });
    await waitFor(async () => arrivals.length >= 1, 'the first attempt', 20_000);
    const closing = performance.now();
    await worker!.close();
    worker = undefined;
    await sleep(50);
    expect(arrivals[0].closedAt).toBeDefined();
    expect(arrivals[0].closedAt! - closing).toBeLessThan(300 + SLACK_MS);
    const queue = openTestQueue('webhooks', prefix!);
    try {
      // Prioritized: every job carries a priority, so one handed back waits there.
      expect(await queue.getJobCounts('prioritized', 'active', 'failed')).toEqual({
        prioritized: 1,
        active: 0,
        failed: 0,
      });
    } finally {
      await queue.close();
    }
  });
});
