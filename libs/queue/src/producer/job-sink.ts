import type { QueueName } from '../queue-definitions';
import type { PreparedJob } from './job-producer';
import type { ReplicaAcks, ReplicaAnswer } from './replica-acks';

export interface AddedJob {
  id: string;
  queue: QueueName;
}

/** Where prepared jobs go: JobProducer as it is, or AdmittedProducer around it. */
export interface JobSink {
  add(jobs: PreparedJob[]): Promise<AddedJob[]>;
}

/**
 * Adds through `sink`, then asks how many replicas have the jobs (one WAIT, shared with concurrent
 * callers; none when no replica is required). The outbox marks rows dispatched only when enough do.
 */
export async function addConfirmed(
  sink: JobSink,
  acks: ReplicaAcks | undefined,
  jobs: PreparedJob[],
): Promise<{ added: AddedJob[]; replication: ReplicaAnswer }> {
  if (!acks) return { added: await sink.add(jobs), replication: { required: 0 } };
  const pin = await acks.pin();
  const added = await sink.add(jobs);
  return { added, replication: await acks.confirm(pin) };
}
