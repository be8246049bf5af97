import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '@platform/redis';

/** What WAIT said about a batch of added jobs (see replicationVerdict). */
export interface ReplicaAnswer {
  /** Replicas asked for; 0 means nothing was asked (one server). */
  required: number;
  /** Replicas that had every write of the batch within the timeout; absent when that is unknown. */
  acknowledged?: number;
  /** Why `acknowledged` is unknown (WAIT failed, or the adds and WAIT did not share one connection). */
  problem?: string;
}

/** The server connection (node and socket) a batch of adds is about to go through. */
export interface WritePin {
  node: Redis;
  stream: unknown;
}

type WaitResult = { node: Redis; stream: unknown; replicas: number } | { problem: string };

/**
 * Asks Redis how many replicas have the jobs just added: `WAIT replicas timeoutMs` counts the
 * replicas that acknowledged every write made so far *on the connection it is sent on*, so it goes on
 * the connection (the cluster node owning the queues' hash-tagged slot) the adds used, and is trusted
 * only when that connection's socket did not change in between: after a reconnect (a failover) WAIT
 * would answer for a fresh connection that wrote nothing.
 *
 * One WAIT covers every batch added before it was sent: at most one is in flight and one queued,
 * shared by every caller arriving meanwhile, so a busy producer adds one round trip per WAIT, not per
 * batch, and a missing replica holds the connection for one timeout at a time.
 */
export class ReplicaAcks {
  private inFlight?: Promise<WaitResult>;
  private queued?: Promise<WaitResult>;
  private slot?: number;

  constructor(
    private readonly client: RedisClient,
    /** Any key of the queues: with a hash tag, they all live in its slot. */
    private readonly queueKey: string,
    private readonly replicas: number,
    private readonly timeoutMs: number,
  ) {}

  /** Before adding: where the adds will go. */
  async pin(): Promise<WritePin | undefined> {
    const node = await this.queueNode().catch(() => undefined);
    return node?.stream ? { node, stream: node.stream } : undefined;
  }

  /** After the adds returned: how many replicas have them. */
  async confirm(pin: WritePin | undefined): Promise<ReplicaAnswer> {
    const required = this.replicas;
    if (!pin) return { required, problem: 'no connection to the queues’ server before the adds' };
    const result = await this.waitForEverythingAddedSoFar();
    if ('problem' in result) return { required, problem: result.problem };
    if (result.node !== pin.node || result.stream !== pin.stream) {
      return {
        required,
        problem: 'the connection changed between the adds and WAIT (reconnect or failover)',
      };
    }
    return { required, acknowledged: result.replicas };
  }

  private waitForEverythingAddedSoFar(): Promise<WaitResult> {
    if (!this.inFlight) return this.startWait();
    // The WAIT in flight may have been sent before this caller's adds: wait for the next one, which
    // is sent once it returns and is shared by everyone arriving until then.
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      // A WAIT started since the last one returned was sent after every caller here had its adds.
      return this.inFlight ?? this.startWait();
    });
    return this.queued;
  }

  private startWait(): Promise<WaitResult> {
    const wait = this.sendWait().finally(() => {
      if (this.inFlight === wait) this.inFlight = undefined;
    });
    this.inFlight = wait;
    return wait;
  }

  private async sendWait(): Promise<WaitResult> {
    let node: Redis;
    try {
      node = await this.queueNode();
    } catch (error) {
      return { problem: (error as Error).message };
    }
    const stream = node.stream;
    try {
      const replicas = Number(await node.call('WAIT', this.replicas, this.timeoutMs));
      if (node.stream !== stream) return { problem: 'the connection changed during WAIT' };
      return { node, stream, replicas };
    } catch (error) {
      return { problem: `WAIT failed: ${(error as Error).message}` };
    }
  }

  /** The connection the queues' writes go through: the client itself, or the slot owner's node. */
  private async queueNode(): Promise<Redis> {
    if (!(this.client instanceof Cluster)) return this.client;
    // Asked once: the slot depends on the key's hash tag only, the owner may change (failover).
    this.slot ??= Number(await this.client.cluster('KEYSLOT', this.queueKey));
    const owner = this.client.slots[this.slot]?.[0];
    const node = this.client
      .nodes('master')
      .find((n) => `${n.options.host}:${n.options.port}` === owner && n.status === 'ready');
    if (!node) throw new Error(`no ready connection to the master of slot ${this.slot}`);
    return node;
  }
}
