import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverWebhook, generateWebhookSecret, WebhookResponseError } from '@platform/webhooks';

/**
 * Receivers that never finish: one trickles its answer a byte at a time, one streams an endless body.
 * A delivery must end on its own deadline or body cap and close the socket, whatever they do.
 */
const DEADLINE_MS = 1_000;
/** Scheduling on two shared cores, not the code: how late the deadline may fire. */
const SLACK_MS = 400;
/** Safety bound for the endless receivers (the tests stop them long before). */
const RECEIVER_LIMIT_MS = 30_000;

interface Receiver {
  server: Server;
  url: string;
  /** Bytes of response body the receiver managed to write. */
  written(): number;
  open(): Promise<number>;
}

async function startReceiver(
  answer: (res: ServerResponse, count: (n: number) => void) => void,
): Promise<Receiver> {
  let written = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res, (n) => (written += n)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/hook`,
    written: () => written,
    open: () =>
      new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
  };
}

/** Headers at once, then one byte every 200 ms for as long as the client listens. */
function trickle(res: ServerResponse, count: (n: number) => void): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.flushHeaders();
  const timer = setInterval(() => {
    res.write('x');
    count(1);
  }, 200);
  const stop = setTimeout(() => res.destroy(), RECEIVER_LIMIT_MS);
  res.on('close', () => (clearInterval(timer), clearTimeout(stop)));
}

/** An endless body in 64 KiB chunks, as fast as the client reads it. */
function endlessBody(status: number) {
  return (res: ServerResponse, count: (n: number) => void): void => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const started = Date.now();
    const pump = () => {
      while (!res.destroyed && Date.now() - started < RECEIVER_LIMIT_MS) {
        count(chunk.length);
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.destroy();
    };
    pump();
  };
}

async function waitUntilClosed(receiver: Receiver, withinMs: number): Promise<number> {
  const started = performance.now();
  while ((await receiver.open()) > 0 && performance.now() - started < withinMs) await sleep(20);
  return receiver.open();
}

const delivery = (url: string) => ({
  url,
  secrets: [generateWebhookSecret()],
  event: 'recommendations.updated',
  payload: { userId: 'u1' },
  deliveryId: 'bounded-1',
});

describe('bounded webhook deliveries (real sockets)', () => {
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) {
      r.server.closeAllConnections();
      await new Promise<void>((done) => r.server.close(() => done()));
    }
  });

  it('a receiver trickling its answer is cut off at the deadline, and the socket is closed', async () => {
    const receiver = await startReceiver(trickle);
    receivers.push(receiver);
    const started = performance.now();
    const outcome = await deliverWebhook(delivery(receiver.url), {
      timeoutMs: 5_000,
      deadlineMs: DEADLINE_MS,
      allowPrivate: true,
    }).then(
      (status) => ({ status }),
      (error: Error) => ({ error }),
    );
    const tookMs = performance.now() - started;
    expect(outcome).toMatchObject({ error: { message: expect.stringMatching(/within 1000 ms/) } });
    expect(tookMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(tookMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(await waitUntilClosed(receiver, 200)).toBe(0);
    // It trickled about five bytes a second until the cut.
    expect(receiver.written()).toBeLessThanOrEqual(Math.ceil(DEADLINE_MS / 200) + 1);
  });

  it('reads at most the body cap of an endless 2xx answer, then drops the connection', async () => {
    const receiver = await startReceiver(endlessBody(200));
    receivers.push(receiver);
    const started = performance.now();
    const status = await deliverWebhook(delivery(receiver.url), {
      timeoutMs: 5_000,
      deadlineMs: 10_000,
      maxResponseBytes: 16 * 1024,
      allowPrivate: true,
    });
    expect(status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await waitUntilClosed(receiver, 500)).toBe(0);
    const writtenAtClose = receiver.written();
    await sleep(200);
    expect(receiver.written()).toBe(writtenAtClose);
    // What the kernel buffered before the close, not what was read: far below the seconds of streaming
    // an uncapped reader would take in.
    expect(writtenAtClose).toBeLessThan(64 * 1024 * 1024);
  });

  it('an endless error answer fails with a short excerpt of its body and the connection dropped', async () => {
    const receiver = await startReceiver(endlessBody(500));
    receivers.push(receiver);
    const error = await deliverWebhook(delivery(receiver.url), {
      timeoutMs: 5_000,
      deadlineMs: 10_000,
      maxResponseBytes: 16 * 1024,
      allowPrivate: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookResponseError);
    expect((error as WebhookResponseError).status).toBe(500);
    expect((error as WebhookResponseError).excerpt).toMatch(/^y{1,256}$/);
    expect(await waitUntilClosed(receiver, 500)).toBe(0);
  });

  it('the caller’s signal aborts a delivery in flight and closes the socket', async () => {
    const receiver = await startReceiver(trickle);
    receivers.push(receiver);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job timed out')), 300);
    const started = performance.now();
    await expect(
      deliverWebhook(delivery(receiver.url), {
        timeoutMs: 5_000,
        deadlineMs: 10_000,
        allowPrivate: true,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/job timed out/);
    expect(performance.now() - started).toBeLessThan(300 + SLACK_MS);
    expect(await waitUntilClosed(receiver, 200)).toBe(0);
  });
});
