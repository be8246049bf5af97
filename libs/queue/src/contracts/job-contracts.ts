import { z } from 'zod';
import type { QueueName } from '../queue-definitions';

/**
 * One contract per job name: the queue it runs on and the zod schema of its payload. Producers
 * validate with it before enqueueing (a client gets 400) and workers validate again before running
 * (a bad payload fails at once, without retries). `public` job types can be started through
 * POST /v1/jobs; `fanOut` makes a job a BullMQ flow: the children run in parallel, then the parent.
 */
export interface JobContract<Q extends QueueName = QueueName, S extends z.ZodType = z.ZodType> {
  queue: Q;
  schema: S;
  description: string;
  public: boolean;
  /**
   * Most bytes the job may put into Redis when it is added: its serialized payload and, for a fan-out
   * job, its children's payloads too. A larger one is refused (413 job_too_large). With
   * `maxResultBytes`, it bounds what one job kept by the queue's retention can cost.
   */
  maxBytes: number;
  /** Most bytes of the handler's serialized result that are kept (a larger result is replaced by a note). */
  maxResultBytes: number;
  fanOut?: (payload: z.output<S>) => Array<{ name: string; payload: unknown }>;
  /**
   * Jobs with the same key coalesce: while one waits, later ones merge into it; while one runs, the
   * latest is kept and runs after it (BullMQ deduplication with keepLastIfActive), so a burst costs
   * one or two runs and no request is lost. `delayMs` holds each new job back to gather the burst.
   */
  coalesce?: { key: (payload: z.output<S>) => string; delayMs: number };
}

const contract = <Q extends QueueName, S extends z.ZodType>(c: JobContract<Q, S>) => c;

const KiB = 1024;

const counterName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.:-]{0,62}$/, 'lower-case letters, digits, "_", ".", ":" and "-"');

export const JOB_CONTRACTS = {
  'recommendations.recompute': contract({
    queue: 'recommendations',
    // A user is a (tenant, user id) pair: the same id in two tenants is two users.
    schema: z.strictObject({ tenantId: z.uuid(), userId: z.string().min(1).max(128) }),
    description: "Recompute one user's recommendations from their events.",
    public: false,
    maxBytes: 512,
    maxResultBytes: 512,
    // A burst of events for one user runs one recompute (plus one if events arrive while it runs).
    coalesce: { key: ({ tenantId, userId }) => `recompute-${tenantId}-${userId}`, delayMs: 250 },
  }),
  'webhook.deliver': contract({
    queue: 'webhooks',
    schema: z.strictObject({
      deliveryId: z.string().min(1).max(128),
      subscriptionId: z.string().min(1).max(128),
      event: z.string().min(1).max(100),
      data: z.record(z.string(), z.unknown()),
      /** When the event happened: the payload's `timestamp`, the same on every retry. */
      occurredAt: z.iso.datetime().optional(),
    }),
    description: 'POST one event to one subscriber URL (signed; a circuit breaker per host).',
    public: false,
    // A recommendation body is a few hundred bytes; a larger delivery fails the recompute writing it.
    maxBytes: 16 * KiB,
    maxResultBytes: 1 * KiB,
  }),
  'report.aggregate': contract({
    queue: 'jobs',
    schema: z.strictObject({
      // The count bounds the work; maxBytes bounds what it costs in Redis (the values twice: in the
      // parent and spread over at most 32 children).
      values: z.array(z.number()).min(1).max(10_000),
      parts: z.number().int().min(1).max(32).default(4),
    }),
    description:
      'Count, sum, min, max and mean of `values`, computed as `parts` report.part jobs running in parallel, then aggregated. At most 64 KiB with its parts (about 32 KiB of values as JSON).',
    public: true,
    maxBytes: 64 * KiB,
    maxResultBytes: 1 * KiB,
    fanOut: ({ values, parts }) => {
      const size = Math.ceil(values.length / parts);
      const slices = Array.from({ length: Math.ceil(values.length / size) }, (_, i) =>
        values.slice(i * size, (i + 1) * size),
      );
      return slices.map((slice, index) => ({ name: 'report.part', payload: { index, values: slice } }));
    },
  }),
  'report.part': contract({
    queue: 'jobs',
    schema: z.strictObject({
      index: z.number().int().min(0),
      values: z.array(z.number()).max(10_000),
    }),
    description: 'One slice of a report.aggregate (a child of its flow).',
    public: false,
    // Created by its parent, whose maxBytes already counted it.
    maxBytes: 64 * KiB,
    maxResultBytes: 1 * KiB,
  }),
  'digest.compute': contract({
    queue: 'jobs',
    schema: z.strictObject({
      text: z.string().max(32_000),
      algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    }),
    description: 'Hex digest of `text` (at most 32 KiB as JSON: non-ASCII characters take several bytes).',
    public: true,
    maxBytes: 32 * KiB,
    maxResultBytes: 1 * KiB,
  }),
  'diagnostics.sleep': contract({
    queue: 'jobs',
    schema: z.strictObject({
      // Below the default job timeout, so a client cannot park workers on sleeps that time out and retry.
      ms: z.number().int().min(0).max(25_000),
      counter: counterName.optional(),
    }),
    description:
      'Waits `ms` (stops when cancelled or timed out), then, when `counter` is given, adds 1 to that diagnostic counter exactly once per job. A canary for timeouts, retries, crashes and drains. Off in production unless JOBS_DIAGNOSTICS is set.',
    public: true,
    maxBytes: 1 * KiB,
    maxResultBytes: 1 * KiB,
  }),
} satisfies Record<string, JobContract>;

export type JobName = keyof typeof JOB_CONTRACTS;
type ContractOf<N extends JobName> = (typeof JOB_CONTRACTS)[N];
/** The payload a handler receives (defaults applied). */
export type PayloadOf<N extends JobName> = z.output<ContractOf<N>['schema']>;
/** The payload a producer passes (defaults optional). */
export type PayloadInput<N extends JobName> = z.input<ContractOf<N>['schema']>;
/** The job names that run on queue Q. */
export type JobNameOf<Q extends QueueName> = {
  [N in JobName]: ContractOf<N>['queue'] extends Q ? N : never;
}[JobName];

export const JOB_NAMES = Object.keys(JOB_CONTRACTS) as JobName[];
export const PUBLIC_JOB_NAMES = JOB_NAMES.filter((n) => JOB_CONTRACTS[n].public);

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_CONTRACTS, name);
}

export function contractOf(name: JobName): JobContract {
  return JOB_CONTRACTS[name];
}

/** A payload that does not match its job's schema. `fields` are paths inside the payload. */
export class InvalidJobPayloadError extends Error {
  constructor(
    readonly jobName: string,
    readonly fields: Array<{ field: string; message: string }>,
  ) {
    super(`Invalid payload for ${jobName}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
    this.name = 'InvalidJobPayloadError';
  }
}

/**
 * The bytes a job puts into Redis when added (JSON, as BullMQ stores it): its payload, plus its
 * children's payloads for a fan-out job. Compared with the contract's maxBytes.
 */
export function jobBytes(name: JobName, payload: unknown): number {
  const contract = contractOf(name);
  let bytes = Buffer.byteLength(JSON.stringify(payload));
  for (const child of contract.fanOut?.(payload) ?? [])
    bytes += Buffer.byteLength(JSON.stringify(child.payload));
  return bytes;
}

/** Validates a payload against its contract; returns the parsed payload (defaults applied). */
export function parsePayload(name: JobName, payload: unknown): unknown {
  const result = contractOf(name).schema.safeParse(payload);
  if (result.success) return result.data;
  throw new InvalidJobPayloadError(
    name,
    result.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  );
}
