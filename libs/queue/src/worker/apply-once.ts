import type { DataSource, EntityManager } from 'typeorm';

/**
 * Applies a job's effect exactly once, however many times the job runs (BullMQ is at-least-once: a
 * crashed worker's job runs again). The effect and a row in processed_jobs commit together; a later
 * run finds the row and returns the stored result without touching anything.
 */
export async function applyOnce<T>(
  dataSource: DataSource,
  key: string,
  effect: (manager: EntityManager) => Promise<T>,
): Promise<{ applied: boolean; result: T }> {
  return dataSource.transaction(async (manager) => {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO processed_jobs (job_key) VALUES ($1) ON CONFLICT (job_key) DO NOTHING RETURNING job_key`,
      [key],
    );
    if (inserted.length === 0) {
      const [row] = await manager.query<
        Array<{
          result: T;
        }>
      >(`SELECT result FROM processed_jobs WHERE job_key = $1`, [key]);
      return { applied: false, result: row?.result };
    }
    const result = await effect(manager);
    await manager.query(`UPDATE processed_jobs SET result = $2 WHERE job_key = $1`, [
      key,
      JSON.stringify(result ?? null),
    ]);
    return { applied: true, result };
  });
}

/**
 * Deletes the once-only marks older than `days`: their jobs are past every queue's retention, so
 * they cannot run again. Bounded per call; the relay calls it with the outbox's own pruning.
 */
export async function pruneProcessedJobs(
  dataSource: DataSource,
  days: number,
  limit = 5_000,
): Promise<number> {
  const result = await dataSource.query<[unknown, number]>(
    `DELETE FROM processed_jobs WHERE job_key IN (
       SELECT job_key FROM processed_jobs WHERE processed_at < now() - make_interval(days => $1) LIMIT $2)`,
    [days, limit],
  );
  return result[1] ?? 0;
}
