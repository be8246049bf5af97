import { randomUUID } from 'node:crypto';
import type { JobName, PayloadInput } from '../contracts/job-contracts';
import type { JobProducer, PreparedJob } from '../producer/job-producer';
import type { OutboxJobOptions } from './outbox.service';

/**
 * An outbox row prepared before its statement runs: the id (= the BullMQ job id) is chosen here, so
 * a group commit can write many rows in one statement and still know which job belongs to which
 * request without reading anything back, and dispatch can add the prepared job without preparing it
 * (validating the payload) a second time.
 */
export interface StagedOutboxRow {
  id: string;
  job: PreparedJob;
  ownerId: string | null;
  delayMs: number;
  /** The caller's position in its batch (statements that write for several requests filter by it). */
  request: number;
}

export function stageOutboxRow<N extends JobName>(
  producer: JobProducer,
  name: N,
  payload: PayloadInput<N>,
  options: Pick<OutboxJobOptions, 'ownerId' | 'priority' | 'delayMs'> & {
    request?: number;
    /** The asking request's captureJobTrace(), taken in its own context (a batch runs in another's). */
    traceMetadata?: string | null;
  } = {},
): StagedOutboxRow {
  const id = randomUUID();
  const job = producer.prepare({
    name,
    payload,
    jobId: id,
    priority: options.priority,
    delayMs: options.delayMs,
    traceMetadata: options.traceMetadata,
  });
  return {
    id,
    job,
    ownerId: options.ownerId ?? null,
    delayMs: options.delayMs ?? 0,
    request: options.request ?? 0,
  };
}

/**
 * `INSERT INTO outbox … SELECT … FROM unnest(…)` for staged rows, with parameters numbered from
 * `firstParam`, to be used as one data-modifying CTE of a larger statement. `requestFilter` is SQL
 * over the column `request` (e.g. `request IN (SELECT i FROM admitted)`): only those rows are written.
 */
export function outboxInsertSql(
  rows: readonly StagedOutboxRow[],
  firstParam: number,
  requestFilter = 'true',
): { sql: string; params: unknown[] } {
  const p = (k: number) => `$${firstParam + k}`;
  const sql = `INSERT INTO outbox (id, queue, job_name, payload, priority, delay_ms, owner_id, trace_context)
    SELECT id, queue, job_name, payload, priority, delay_ms, owner_id, trace_context
      FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::jsonb[], ${p(4)}::int[],
                  ${p(5)}::int[], ${p(6)}::text[], ${p(7)}::int[], ${p(8)}::jsonb[])
        AS r(id, queue, job_name, payload, priority, delay_ms, owner_id, request, trace_context)
     WHERE ${requestFilter}`;
  const params = [
    rows.map((r) => r.id),
    rows.map((r) => r.job.queue),
    rows.map((r) => r.job.name),
    rows.map((r) => JSON.stringify(r.job.payload)),
    rows.map((r) => r.job.opts.priority),
    rows.map((r) => r.delayMs),
    rows.map((r) => r.ownerId),
    rows.map((r) => r.request),
    rows.map((r) => r.job.opts.telemetry?.metadata ?? null),
  ];
  return { sql, params };
}
