import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ReplicaAcks } from './replica-acks';

/** A one-server connection whose WAITs the test answers by hand, and whose socket it can replace. */
function fakeConnection() {
  const waits: Array<{ resolve: (n: number) => void; reject: (e: Error) => void }> = [];
  const client = {
    stream: {},
    call: (command: string) => {
      expect(command).toBe('WAIT');
      return new Promise<number>((resolve, reject) => waits.push({ resolve, reject }));
    },
  };
  return { client, waits, acks: new ReplicaAcks(client as unknown as Redis, 'p{bull}:jobs:id', 1, 500) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('ReplicaAcks', () => {
  it('answers with the replicas WAIT counted on the connection the adds used', async () => {
    const { acks, waits } = fakeConnection();
    const answer = acks.confirm(await acks.pin());
    await flush();
    waits[0].resolve(1);
    expect(await answer).toEqual({ required: 1, acknowledged: 1 });
  });

  it('shares WAITs: callers arriving while one is in flight share the next one', async () => {
    const { acks, waits } = fakeConnection();
    const first = acks.confirm(await acks.pin());
    await flush();
    const later = [acks.confirm(await acks.pin()), acks.confirm(await acks.pin())];
    await flush();
    expect(waits).toHaveLength(1); // the second WAIT is sent only once the first returns
    waits[0].resolve(1);
    expect(await first).toMatchObject({ acknowledged: 1 });
    await flush();
    expect(waits).toHaveLength(2);
    waits[1].resolve(0);
    expect(await Promise.all(later)).toEqual([
      { required: 1, acknowledged: 0 },
      { required: 1, acknowledged: 0 },
    ]);
  });

  it('does not trust WAIT after a reconnect: a fresh connection has written nothing to wait for', async () => {
    const { acks, waits, client } = fakeConnection();
    const pin = await acks.pin();
    client.stream = {}; // a failover: ioredis reconnected to the new master between the adds and WAIT
    const answer = acks.confirm(pin);
    await flush();
    waits[0].resolve(1);
    expect(await answer).toMatchObject({ required: 1, problem: expect.stringMatching(/connection changed/) });
    expect((await answer).acknowledged).toBeUndefined();
  });

  it('reports a failed WAIT as unknown, not as zero replicas', async () => {
    const { acks, waits } = fakeConnection();
    const answer = acks.confirm(await acks.pin());
    await flush();
    waits[0].reject(new Error('Command timed out'));
    expect(await answer).toEqual({ required: 1, problem: 'WAIT failed: Command timed out' });
  });
});
