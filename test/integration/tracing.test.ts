// First: tracing must be installed before the modules it instruments load.
import { spanExporter as exporter, tracing } from '../support/in-memory-tracing';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { createPlatformClient, type PlatformClient } from '../../clients/platform-api';
import * as support from '../support';

/**
 * One trace from a client's request to the webhook it causes: API server span → Postgres and Redis
 * spans → BullMQ enqueue → the recompute job in the worker → its webhook job → the signed POST, which
 * carries `traceparent` to the receiver. Spans go to an in-memory exporter.
 */
describe('tracing: request → job → webhook delivery is one trace', () => {
  let db: support.TestDatabase;
  let api: support.RunningApp;
  let worker: support.RunningApp;
  let client: PlatformClient;
  let receiver: Server;
  const deliveries: IncomingHttpHeaders[] = [];

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpanId = '00f067aa0ba902b7';
  const requestId = 'trace-test-request-1';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      deliveries.push(req.headers);
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    const receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;

    db = await support.createTestDatabase();
    const env = support.testEnv({ DATABASE_URL: db.url, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'debug' });
    [api, worker] = await Promise.all([
      support.startInProcess('api', env),
      support.startInProcess('worker', env),
    ]);
    const key = (await issueApiKey(db.dataSource, 'tracing', 'pro')).key;
    client = createPlatformClient(api.baseUrl, { headers: { 'x-api-key': key } });
    const subscribed = await client.POST('/v1/webhooks', {
      body: { url: receiverUrl, events: ['recommendations.updated'] },
    });
    expect(subscribed.response.status).toBe(201);
    exporter.reset();
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await db?.drop();
    await tracing?.shutdown();
  });

  it('joins the client trace, carries it through the outbox and both jobs, and sends it to the receiver', async () => {
    const posted = await client.POST('/v1/events', {
      body: { userId: 'tina', type: 'purchase', category: 'books' },
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, 'x-request-id': requestId },
    });
    expect(posted.response.status).toBe(202);

    const delivered = await support
      .waitFor(
        async () => deliveries.find((h) => String(h.traceparent).includes(traceId)),
        'a webhook delivery carrying the trace',
        20_000,
      )
      .catch((error: Error) => {
        throw new Error(
          `${error.message}; received: ${JSON.stringify(deliveries)}; spans: ${exporter
            .getFinishedSpans()
            .map((s) => `${SpanKind[s.kind]} ${s.name} ${s.spanContext().traceId}`)
            .join(', ')}`,
        );
      });
    expect(delivered.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const spans = await support.waitFor(
      async () => {
        const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        // The webhook job's consumer span ends last, after the delivery and the receiver's span.
        return inTrace.some((s) => s.kind === SpanKind.CONSUMER && /webhooks/.test(s.name)) && inTrace;
      },
      'the finished spans of the trace',
      10_000,
    );
    const names = spans.map((s) => `${SpanKind[s.kind]} ${s.name}`);
    const find = (kind: SpanKind, pattern: RegExp) =>
      spans.find((s) => s.kind === kind && pattern.test(s.name));

    const request = find(SpanKind.SERVER, /^POST \/v1\/events$/);
    expect(request, names.join('\n')).toBeDefined();
    expect(request!.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(request!.attributes['http.route']).toBe('/v1/events');
    expect(find(SpanKind.CLIENT, /^pg\.query/), 'a Postgres span').toBeDefined();
    expect(
      spans.some((s) => s.instrumentationScope.name.includes('ioredis')),
      'a Redis span',
    ).toBe(true);
    const recompute = find(SpanKind.CONSUMER, /process recommendations/);
    const delivery = find(SpanKind.CONSUMER, /process webhooks/);
    expect(find(SpanKind.PRODUCER, /recommendations/), 'the recompute enqueue').toBeDefined();
    expect(recompute, names.join('\n')).toBeDefined();
    expect(delivery, names.join('\n')).toBeDefined();
    const deliver = find(SpanKind.INTERNAL, /^webhook deliver$/);
    expect(deliver, names.join('\n')).toBeDefined();
    const post = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === 'POST');
    expect(post, 'the webhook POST').toBeDefined();

    // The chain: request → recompute job → webhook job → delivery → POST.
    expect(ancestors(spans, recompute!)).toContain(request!.spanContext().spanId);
    expect(ancestors(spans, delivery!)).toContain(recompute!.spanContext().spanId);
    expect(ancestors(spans, deliver!)).toContain(delivery!.spanContext().spanId);
    expect(ancestors(spans, post!)).toContain(deliver!.spanContext().spanId);
  });

  it("writes the request id in the worker's log lines for the jobs it started", async () => {
    const lines = worker.logs
      .map((l) => JSON.parse(l) as { requestId?: string; msg?: string; queue?: string })
      .filter((l) => l.requestId === requestId && l.msg === 'job');
    expect(lines.map((l) => l.queue).sort()).toEqual(['recommendations', 'webhooks']);
  });

  it('names the span of a fast-path answer (an L1 hit answered in a hook) after its route too', async () => {
    const path = { params: { path: { userId: 'tina' } } } as const;
    await support.waitFor(
      async () => (await client.GET('/v1/users/{userId}/recommendations', path)).response.status === 200,
      "tina's recommendations",
      20_000,
    );
    const hit = await client.GET('/v1/users/{userId}/recommendations', path);
    expect(hit.response.headers.get('x-cache')).toBe('HIT-L1');
    exporter.reset();
    const fast = await client.GET('/v1/users/{userId}/recommendations', path);
    expect(fast.response.headers.get('x-cache')).toBe('HIT-L1');
    const span = await support.waitFor(
      async () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER),
      'the server span',
      5_000,
    );
    expect(span.name).toBe('GET /v1/users/:userId/recommendations');
    expect(span.attributes['http.route']).toBe('/v1/users/:userId/recommendations');
  });
});

/** Span ids from a span up to its root, within the finished spans. */
function ancestors(spans: ReadableSpan[], span: ReadableSpan): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: string[] = [];
  let parent = span.parentSpanContext?.spanId;
  while (parent) {
    chain.push(parent);
    parent = byId.get(parent)?.parentSpanContext?.spanId;
  }
  return chain;
}
