import type { ReplicaAnswer } from '../producer/replica-acks';

export type ReplicationVerdict = { mark: true } | { mark: false; reason: string };

/**
 * Whether added jobs' outbox rows may be marked dispatched. A row marked dispatched is never sent
 * again, so it is marked only once as many replicas as required have its job: a failover then
 * promotes a replica that has it. Otherwise the row stays pending and the relay adds the job again,
 * which is safe both ways: a job still in the queue is not added twice (same job id, BullMQ ignores
 * it), and a job the failover lost is added anew.
 */
export function replicationVerdict(answer: ReplicaAnswer, waitMs: number): ReplicationVerdict {
  if (answer.required === 0) return { mark: true };
  if (answer.acknowledged === undefined) {
    return { mark: false, reason: `replication unknown: ${answer.problem ?? 'no answer'}` };
  }
  if (answer.acknowledged >= answer.required) return { mark: true };
  return {
    mark: false,
    reason: `added, but ${answer.acknowledged} of ${answer.required} replicas had it after ${waitMs} ms`,
  };
}
