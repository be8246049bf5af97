import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { captureJobTrace, sharedMetric } from '@platform/observability';
import { userConsistencyKey } from '@platform/recommendations';
import {
  contractOf,
  DurableWrites,
  JobProducer,
  outboxInsertSql,
  stageOutboxRow,
  type BatchCommit,
  type DurableBatch,
  type StagedOutboxRow,
} from '@platform/queue';
import { callerConsistencyKey } from '../auth/caller';
import type { EventInput } from './events.schemas';

/** One POST /v1/events, as the writer takes it. */
export interface EventWrite {
  apiKeyId: string;
  /** The caller's tenant: the events' user ids are users of this tenant. */
  tenantId: string;
  events: EventInput[];
  users: string[];
  /** With an Idempotency-Key: the key and the hash of the request it was first used with. */
  idempotency?: { key: string; requestHash: string };
  /** Its request id and trace context for the jobs it starts (set by write(), in the request's context). */
  traceMetadata?: string | null;
}

export interface AcceptedEvents {
  accepted: number;
  /** One recompute job per affected user (GET /v1/jobs/:id). */
  jobIds: string[];
}

export type EventWriteResult =
  | { outcome: 'accepted'; body: AcceptedEvents }
  /** The same Idempotency-Key and request as an earlier write: its answer, nothing written. */
  | { outcome: 'replayed'; body: AcceptedEvents }
  /** The same Idempotency-Key with a different request: nothing written. */
  | { outcome: 'conflict' };

interface Staged {
  write: EventWrite;
  rows: StagedOutboxRow[];
  body: AcceptedEvents;
  /** Position in the statement; -1 for a second use of a key already in this batch. */
  index: number;
}

/** Each user's recommendations are recomputed on their queue: what a request asks admission for. */
const RECOMPUTE_QUEUE = contractOf('recommendations.recompute').queue;

/**
 * Writes events by group commit (DurableWrites.batched): concurrent requests of this process are
 * gathered per event-loop turn and written by ONE statement that inserts their events and their
 * outbox rows (and claims their idempotency keys) atomically; each request is answered after that
 * commit. Then, off the request path, one addBulk enqueues the batch's recompute jobs (job id =
 * outbox id) and one UPDATE marks the rows dispatched; if Redis is down the rows wait for the relay,
 * so no accepted write is lost. With read replicas, one write-position read per batch keeps
 * read-your-writes for the callers and for the recompute, which reads as the user; without replicas
 * there is no bookkeeping at all.
 */
@Injectable()
export class EventWriter implements BeforeApplicationShutdown {
  private readonly batch: DurableBatch<EventWrite, EventWriteResult>;
  private readonly batchSize = batchSizeHistogram();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    writes: DurableWrites,
    private readonly producer: JobProducer,
    @InjectConfig() config: AppConfig,
  ) {
    this.batch = writes.batched(
      {
        maxBatchWeight: config.writes.batchMaxRows,
        maxQueuedWeight: config.writes.queueMaxRows,
        concurrency: config.writes.batchConcurrency,
      },
      (writes) => this.writeBatch(writes),
    );
  }

  /**
   * Refuses (503 + Retry-After) above the recompute queue's high-water mark, and with
   * GroupCommitFullError when the write queue is full: nothing written either way.
   */
  write(request: EventWrite): Promise<EventWriteResult> {
    const traced = { ...request, traceMetadata: captureJobTrace() ?? null };
    return this.batch.submit(traced, request.events.length, [
      { queue: RECOMPUTE_QUEUE, count: request.users.length },
    ]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.batch.drained();
  }

  private async writeBatch(writes: EventWrite[]): Promise<BatchCommit<EventWriteResult>> {
    this.batchSize.observe(writes.length);
    const staged = this.stage(writes);
    const admitted = await this.insert(staged.filter((s) => s.index >= 0));
    const written = staged.filter((s) => admitted.has(s.index));
    return {
      rows: written.flatMap((s) => s.rows),
      // The callers' next reads, and the recompute reading as each user.
      positionKeys: () => consistencyKeys(written),
      answer: () => this.resultsFor(staged, (s) => admitted.has(s.index)),
    };
  }

  private stage(writes: EventWrite[]): Staged[] {
    const keysInBatch = new Set<string>();
    let request = 0;
    return writes.map((write) => {
      const idemKey = write.idempotency && idempotencyId(write.apiKeyId, write.idempotency.key);
      // A key used twice in one batch: the second waits for the first's row (looked up after commit).
      const index = !idemKey || !keysInBatch.has(idemKey) ? request++ : -1;
      if (idemKey) keysInBatch.add(idemKey);
      const rows = write.users.map((userId) =>
        stageOutboxRow(
          this.producer,
          'recommendations.recompute',
          { tenantId: write.tenantId, userId },
          {
            ownerId: write.apiKeyId,
            request: index,
            traceMetadata: write.traceMetadata ?? null,
          },
        ),
      );
      return { write, rows, index, body: { accepted: write.events.length, jobIds: rows.map((r) => r.id) } };
    });
  }

  /** The one statement; returns the indexes of the requests it wrote. */
  private async insert(staged: Staged[]): Promise<Set<number>> {
    if (staged.length === 0) return new Set();
    const events = staged.flatMap((s) =>
      s.write.events.map((e) => ({ e, i: s.index, key: s.write.apiKeyId, tenant: s.write.tenantId })),
    );
    const rows = staged.flatMap((s) => s.rows);
    const jobs = outboxInsertSql(rows, 13, 'request IN (SELECT i FROM admitted)');
    const result = await this.dataSource.query<Array<{ i: number }>>(
      `WITH req AS (
         SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])
           AS r(i, api_key_id, idempotency_key, request_hash, response)
       ),
       claimed AS (
         INSERT INTO event_requests (api_key_id, idempotency_key, request_hash, response)
         SELECT api_key_id, idempotency_key, request_hash, response FROM req WHERE idempotency_key IS NOT NULL
         ON CONFLICT DO NOTHING
         RETURNING api_key_id, idempotency_key
       ),
       admitted AS (
         SELECT req.i FROM req
          WHERE req.idempotency_key IS NULL
             OR EXISTS (SELECT 1 FROM claimed c
                         WHERE c.api_key_id = req.api_key_id AND c.idempotency_key = req.idempotency_key)
       ),
       events AS (
         INSERT INTO user_events (tenant_id, user_id, type, category, occurred_at, api_key_id)
         SELECT tn, u, t, c, coalesce(o, now()), k
           FROM unnest($6::int[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::uuid[],
                       $12::uuid[])
             AS e(request, u, t, c, o, k, tn)
          WHERE request IN (SELECT i FROM admitted)
       ),
       jobs AS (${jobs.sql})
       SELECT i FROM admitted`,
      [
        staged.map((s) => s.index),
        staged.map((s) => s.write.apiKeyId),
        staged.map((s) => s.write.idempotency?.key ?? null),
        staged.map((s) => s.write.idempotency?.requestHash ?? null),
        staged.map((s) => JSON.stringify(s.body)),
        events.map((x) => x.i),
        events.map((x) => x.e.userId),
        events.map((x) => x.e.type),
        events.map((x) => x.e.category),
        events.map((x) => x.e.occurredAt ?? null),
        events.map((x) => x.key),
        events.map((x) => x.tenant),
        ...jobs.params,
      ],
    );
    return new Set(result.map((r) => r.i));
  }

  /** Requests not written are second uses of an idempotency key: answer as the first use did. */
  private async resultsFor(staged: Staged[], written: (s: Staged) => boolean): Promise<EventWriteResult[]> {
    const repeats = staged.filter((s) => !written(s));
    const earlier =
      repeats.length > 0 ? await this.earlierAnswers(repeats) : new Map<string, EarlierAnswer>();
    return staged.map((s): EventWriteResult => {
      if (written(s)) return { outcome: 'accepted', body: s.body };
      const first =
        s.write.idempotency && earlier.get(idempotencyId(s.write.apiKeyId, s.write.idempotency.key));
      if (first && first.request_hash === s.write.idempotency?.requestHash) {
        // jsonb keeps its own key order: rebuild the body so a replay reads exactly like the first.
        return {
          outcome: 'replayed',
          body: { accepted: first.response.accepted, jobIds: first.response.jobIds },
        };
      }
      return { outcome: 'conflict' };
    });
  }

  private async earlierAnswers(repeats: Staged[]): Promise<Map<string, EarlierAnswer>> {
    const rows = await this.dataSource.query<EarlierAnswer[]>(
      `SELECT er.api_key_id, er.idempotency_key, er.request_hash, er.response
         FROM event_requests er
         JOIN unnest($1::uuid[], $2::text[]) AS k(api_key_id, idempotency_key)
           ON er.api_key_id = k.api_key_id AND er.idempotency_key = k.idempotency_key`,
      [repeats.map((s) => s.write.apiKeyId), repeats.map((s) => s.write.idempotency?.key ?? '')],
    );
    return new Map(rows.map((r) => [idempotencyId(r.api_key_id, r.idempotency_key), r]));
  }
}

/** What the written requests' next reads must see: their API keys' and their users'. */
function consistencyKeys(written: Staged[]): Set<string> {
  const keys = new Set<string>();
  for (const s of written) {
    keys.add(callerConsistencyKey(s.write.apiKeyId));
    for (const user of s.write.users) keys.add(userConsistencyKey(s.write.tenantId, user));
  }
  return keys;
}

/** An idempotency key is unique per API key (the table's primary key). */
function idempotencyId(apiKeyId: string, key: string): string {
  return `${apiKeyId}\u0000${key}`;
}

interface EarlierAnswer {
  api_key_id: string;
  idempotency_key: string;
  request_hash: string;
  response: AcceptedEvents;
}

function batchSizeHistogram(): Histogram {
  const name = 'events_write_batch_requests';
  return sharedMetric(
    name,
    () =>
      new Histogram({
        name,
        help: 'Requests written together by one group-commit statement (POST /v1/events)',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      }),
  );
}
