import type { PoolClient } from 'pg';

/** The target a pooled connection belongs to ("primary" or a replica name); the slow-query log shows it. */
export const DB_TARGET = Symbol.for('platform.db-target');

type Sql = string;
type Params = unknown[] | undefined;

export interface PrimaryHooks {
  target: string;
  onQuery(): void;
  /** After a write commits (autocommit or COMMIT of a transaction that wrote), on the same connection. */
  onCommittedWrite(readLsn: () => Promise<string>): Promise<void>;
}

export interface ReplicaHooks {
  target: string;
  onQuery(): void;
  /** The replica failed under this read (went away, refused, recovery conflict): run it on the primary. */
  onFailure(error: Error, sql: Sql, params: Params): Promise<unknown>;
}

const LEADING_COMMENTS = /^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/;
const BEGIN = /^(BEGIN|START\s+TRANSACTION)\b/i;
const COMMIT = /^(COMMIT|END)\b/i;
const ROLLBACK = /^ROLLBACK\b(?!\s+TO\b)/i;
// Statements that write no WAL a reader could miss. A SELECT calling a function that writes is not
// seen as a write (documented limitation).
const NOT_A_WRITE =
  /^(SELECT|SHOW|EXPLAIN|VALUES|TABLE|FETCH|DECLARE|CLOSE|MOVE|SET|RESET|SAVEPOINT|RELEASE|ROLLBACK|DISCARD|LISTEN|UNLISTEN|NOTIFY|DEALLOCATE|PREPARE)\b/i;
const DATA_MODIFYING_CTE = /\b(INSERT|UPDATE|DELETE|MERGE)\b/i;

export type StatementKind = 'begin' | 'commit' | 'rollback' | 'write' | 'read';

export function classifyStatement(sql: string): StatementKind {
  const text = sql.replace(LEADING_COMMENTS, '');
  if (BEGIN.test(text)) return 'begin';
  if (COMMIT.test(text)) return 'commit';
  if (ROLLBACK.test(text)) return 'rollback';
  if (/^WITH\b/i.test(text)) return DATA_MODIFYING_CTE.test(text) ? 'write' : 'read';
  return NOT_A_WRITE.test(text) ? 'read' : 'write';
}

/**
 * A primary connection that counts its statements and notices committed writes, so the caller's
 * write position is recorded once per write transaction (one `pg_current_wal_lsn()` round trip).
 */
export function trackPrimary(client: PoolClient, hooks: PrimaryHooks): PoolClient {
  let inTransaction = false;
  let wrote = false;
  const readLsn = async () =>
    (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;

  const query = async (sql: Sql, params: Params) => {
    hooks.onQuery();
    const kind = classifyStatement(sql);
    const result = await client.query(sql, params);
    if (kind === 'begin') {
      inTransaction = true;
      wrote = false;
    } else if (kind === 'rollback') {
      inTransaction = false;
      wrote = false;
    } else if (kind === 'commit') {
      const committedWrite = inTransaction && wrote;
      inTransaction = false;
      wrote = false;
      if (committedWrite) await hooks.onCommittedWrite(readLsn);
    } else if (kind === 'write') {
      if (inTransaction) wrote = true;
      else await hooks.onCommittedWrite(readLsn);
    }
    return result;
  };
  return withQuery(client, hooks.target, query);
}

/** A replica connection that counts its statements and fails over to the primary when the replica dies. */
export function trackReplica(client: PoolClient, hooks: ReplicaHooks): PoolClient {
  const query = async (sql: Sql, params: Params) => {
    hooks.onQuery();
    try {
      return await client.query(sql, params);
    } catch (error) {
      if (!isReplicaFailure(error)) throw error;
      return hooks.onFailure(error as Error, sql, params);
    }
  };
  return withQuery(client, hooks.target, query);
}

/**
 * Failures of the replica rather than of the statement: the server going away or refusing, a query
 * cancelled by a recovery conflict, a write sent to a read-only standby, a database not replayed yet.
 * A statement timeout (57014) or a SQL error is the statement's own and is not retried.
 */
export function isReplicaFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? '';
  if (
    /^08/.test(code) ||
    ['57P01', '57P02', '57P03', '25006', '3D000', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(code)
  )
    return true;
  if (code === '40001' && /conflict with recovery/i.test(error.message)) return true;
  return /Connection terminated|connection terminated|ECONNRESET|ECONNREFUSED|the database system is/i.test(
    error.message,
  );
}

function withQuery(
  client: PoolClient,
  target: string,
  query: (sql: Sql, params: Params) => Promise<unknown>,
): PoolClient {
  return new Proxy(client, {
    get(object, property) {
      if (property === DB_TARGET) return target;
      const value: unknown = Reflect.get(object, property, object);
      if (property === 'query') {
        // Only the promise form with SQL text is tracked; streams and callbacks pass straight through.
        return (sql: unknown, params?: unknown, ...rest: unknown[]) =>
          typeof sql === 'string' && rest.length === 0 && typeof params !== 'function'
            ? query(sql, params as Params)
            : (value as (...args: unknown[]) => unknown).call(object, sql, params, ...rest);
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
