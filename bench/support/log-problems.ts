import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// pino writes level labels here ("warn"); numbers (40+) in its default configuration.
const PROBLEM = /"level":(?:"warn"|"error"|"fatal"|[456]0)\b|"status":5\d\d\b/;

/**
 * The API's and worker's log lines at warn or above, and access-log lines of 5xx answers, grouped by
 * message: what a scenario prints when it saw errors, so the cause is in the report and not only on disk.
 */
export async function logProblems(
  logDir: string,
  top = 5,
): Promise<Array<{ file: string; message: string; count: number }>> {
  const counts = new Map<string, { file: string; message: string; count: number }>();
  for (const file of ['api.log', 'worker.log']) {
    const path = join(logDir, file);
    if (!existsSync(path)) continue;
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!PROBLEM.test(line)) continue;
      let message = line.slice(0, 200);
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          status?: number;
          route?: string;
          error?: string;
          err?: { message?: string };
        };
        message = [entry.status, entry.route, entry.msg, entry.error, entry.err?.message]
          .filter(Boolean)
          .join(' · ');
      } catch {
        // not JSON: keep the raw start of the line
      }
      const key = `${file}\u0000${message}`;
      const seen = counts.get(key) ?? { file, message, count: 0 };
      seen.count += 1;
      counts.set(key, seen);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count).slice(0, top);
}
