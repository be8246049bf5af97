import { describe, expect, it } from 'vitest';
import { replicationVerdict } from './replication-verdict';

describe('replicationVerdict', () => {
  it('marks at once when no replica is required (one server)', () => {
    expect(replicationVerdict({ required: 0 }, 500)).toEqual({ mark: true });
  });

  it('marks when WAIT counted at least the required replicas', () => {
    expect(replicationVerdict({ required: 1, acknowledged: 1 }, 500)).toEqual({ mark: true });
    expect(replicationVerdict({ required: 1, acknowledged: 2 }, 500)).toEqual({ mark: true });
    expect(replicationVerdict({ required: 2, acknowledged: 2 }, 500)).toEqual({ mark: true });
  });

  it('leaves the rows to the relay when fewer replicas answered in time', () => {
    expect(replicationVerdict({ required: 1, acknowledged: 0 }, 500)).toEqual({
      mark: false,
      reason: 'added, but 0 of 1 replicas had it after 500 ms',
    });
    expect(replicationVerdict({ required: 2, acknowledged: 1 }, 250)).toMatchObject({ mark: false });
  });

  it('leaves the rows to the relay when the answer cannot be trusted (reconnect, WAIT error)', () => {
    expect(
      replicationVerdict({ required: 1, problem: 'the connection changed between the adds and WAIT' }, 500),
    ).toEqual({
      mark: false,
      reason: 'replication unknown: the connection changed between the adds and WAIT',
    });
    expect(replicationVerdict({ required: 1 }, 500)).toEqual({
      mark: false,
      reason: 'replication unknown: no answer',
    });
  });
});
