import { describe, expect, it } from 'vitest';
import { hostLabel } from './host-label';
import { formatLsn, lsnSortKey, parseLsn, parseLsnSortKey } from './lsn';
import { classifyStatement, isReplicaFailure } from './tracked-connection';

describe('LSNs', () => {
  it('parse, compare past 2^53 and round-trip through the Redis sort key', () => {
    const low = parseLsn('0/9000000');
    const high = parseLsn('FFFFFFFF/FFFFFFFE');
    expect(high > low).toBe(true);
    expect(high + 1n).toBe(parseLsn('FFFFFFFF/FFFFFFFF'));
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsnSortKey(lsnSortKey(high))).toBe(high);
    // Fixed width: string order is numeric order (the Lua script relies on it).
    expect(lsnSortKey(parseLsn('1/0')) > lsnSortKey(parseLsn('0/FFFFFFFF'))).toBe(true);
    expect(() => parseLsn('nope')).toThrow();
  });
});

describe('classifyStatement', () => {
  it.each([
    ['SELECT * FROM t', 'read'],
    ['  /* comment */ select 1', 'read'],
    ['START TRANSACTION', 'begin'],
    ['BEGIN', 'begin'],
    ['COMMIT', 'commit'],
    ['ROLLBACK', 'rollback'],
    ['ROLLBACK TO SAVEPOINT typeorm_1', 'read'],
    ['SAVEPOINT typeorm_1', 'read'],
    ['INSERT INTO t VALUES (1)', 'write'],
    ['update t set a = 1', 'write'],
    ['DELETE FROM t', 'write'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read'],
    ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', 'write'],
    ['CREATE TABLE t (a int)', 'write'],
    ['-- note\nTRUNCATE t', 'write'],
  ])('%s -> %s', (sql, kind) => {
    expect(classifyStatement(sql)).toBe(kind);
  });
});

describe('isReplicaFailure', () => {
  const withCode = (message: string, code?: string) => Object.assign(new Error(message), { code });
  it('retries what the replica caused, not what the statement caused', () => {
    expect(isReplicaFailure(withCode('terminating connection due to administrator command', '57P01'))).toBe(
      true,
    );
    expect(isReplicaFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isReplicaFailure(withCode('connect ECONNREFUSED 127.0.0.1:5433', 'ECONNREFUSED'))).toBe(true);
    expect(isReplicaFailure(withCode('canceling statement due to conflict with recovery', '40001'))).toBe(
      true,
    );
    expect(isReplicaFailure(withCode('cannot execute INSERT in a read-only transaction', '25006'))).toBe(
      true,
    );
    expect(isReplicaFailure(withCode('canceling statement due to statement timeout', '57014'))).toBe(false);
    expect(isReplicaFailure(withCode('syntax error at or near "SELEC"', '42601'))).toBe(false);
    expect(isReplicaFailure(withCode('could not serialize access', '40001'))).toBe(false);
  });
});

describe('hostLabel', () => {
  it('names host, port and database and never the credentials', () => {
    expect(hostLabel('postgres://app:s3cret@db.internal:6432/platform?sslmode=require')).toBe(
      'db.internal:6432/platform',
    );
    expect(hostLabel('postgres://127.0.0.1/platform')).toBe('127.0.0.1:5432/platform');
    expect(hostLabel('not a url :s3cret@')).toBe('unparseable-url');
  });
});
