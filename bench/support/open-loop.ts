import { Pool } from 'undici';
import { countStatuses, summarize, type LatencySummary, type StatusTally } from './latency';

/**
 * Open-loop load: request i is due at start + i / rate whatever happened to the earlier ones, and its
 * latency is measured from that intended send time, so time spent queued behind a slow server (or behind
 * busy connections) is counted instead of silently omitted.
 *
 * Why not autocannon's `overallRate`: autocannon 9 splits the rate over connections and lets each one send
 * its share of the second back to back, then pause until the next second (bursts, not a schedule); it
 * times each request from its actual write, and its coordinated-omission correction passes
 * `Math.ceil(1 / rate)` (per-connection rate in requests per second, so 1) as the expected interval in
 * milliseconds, which back-fills one synthetic sample per millisecond of every response's latency.
 */
export interface OpenLoopRequest {
  /** Which kind of request (read, batch, write…), for the per-kind latency. */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopOptions {
  origin: string;
  /** Offered requests per second. */
  rate: number;
  durationSeconds: number;
  /** At most this many sockets; requests due while all are busy wait in the client's queue (and that wait counts). */
  connections: number;
  next: () => OpenLoopRequest;
  timeoutMs?: number;
  progress?: (line: string) => void;
  label?: string;
}

export interface OpenLoopResult extends StatusTally {
  offeredRps: number;
  /**
   * Responses that are not errors (2xx, 3xx, and the 404s and 429s counted apart) per second, over the
   * schedule or until the last response if that came later.
   */
  achievedRps: number;
  sent: number;
  /** Requests that got an HTTP answer (any status) before their timeout. */
  completed: number;
  /** Latency from the intended send time, every HTTP response counted, in ms. */
  latency: LatencySummary;
  byKind: Record<string, LatencySummary & StatusTally>;
  /** How late the generator itself sent (actual − intended), p99 in ms: if this is large the generator, not the server, fell behind. */
  sendLagP99Ms: number;
  elapsedSeconds: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = 1000 / options.rate;
  const latency = new Float64Array(total).fill(NaN);
  const sendLag = new Float64Array(total);
  const status = new Uint16Array(total); // 0: no response (socket error or timeout)
  const kinds: string[] = new Array<string>(total);
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  let lastCompletion = 0;
  let pending = 0;
  let onDrained: (() => void) | undefined;
  const settle = () => {
    pending -= 1;
    if (pending === 0) onDrained?.();
  };
  // undici's dispatch API rather than `request`: no response stream object per request, which halves
  // the generator's CPU per request (it shares the cores with the server it measures).
  const fire = (i: number, intended: number) => {
    const request = options.next();
    kinds[i] = request.kind;
    sendLag[i] = performance.now() - intended;
    pending += 1;
    pool.dispatch(
      { method: request.method, path: request.path, headers: request.headers, body: request.body },
      {
        // Its presence selects undici's controller-style handler API (the legacy one wants onConnect…).
        onRequestStart: () => undefined,
        onResponseStart: (_controller, statusCode) => {
          status[i] = statusCode;
        },
        onResponseData: () => undefined,
        onResponseEnd: () => {
          const now = performance.now();
          latency[i] = now - intended;
          lastCompletion = Math.max(lastCompletion, now);
          settle();
        },
        onResponseError: () => {
          status[i] = 0; // no complete answer: counted as an error
          settle();
        },
      },
    );
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let lastSecond = -1;
    // A 1 ms timer sends everything that fell due since the last tick; latency is measured from each
    // request's own slot, so the tick's granularity does not shorten anyone's latency.
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (sent < due) {
        fire(sent, start + sent * intervalMs);
        sent += 1;
      }
      const second = Math.floor((now - start) / 1000);
      if (second !== lastSecond) {
        lastSecond = second;
        options.progress?.(`${options.label ?? 'open loop'}: ${second}/${options.durationSeconds}s`);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  // Let what was sent finish (each request has its own timeout once on a socket), then close the sockets:
  // whatever is still unanswered then ends as an error.
  await Promise.race([
    new Promise<void>((r) => {
      onDrained = r;
      if (pending === 0) r();
    }),
    new Promise((r) => setTimeout(r, timeoutMs + 1000).unref()),
  ]);
  await pool.destroy();

  const scheduleEnd = start + total * intervalMs;
  const elapsedSeconds = (Math.max(scheduleEnd, lastCompletion) - start) / 1000;
  const tally = countStatuses(status);
  const byKind: OpenLoopResult['byKind'] = {};
  for (const kind of new Set(kinds)) {
    const indexes = kinds.flatMap((k, i) => (k === kind ? [i] : []));
    byKind[kind] = {
      ...summarize(indexes.map((i) => latency[i])),
      ...countStatuses(Uint16Array.from(indexes.map((i) => status[i]))),
    };
  }
  const answered = tally.ok + tally.throttled + tally.notFound;
  return {
    offeredRps: options.rate,
    achievedRps: Math.round(answered / elapsedSeconds),
    sent: total,
    completed: total - (tally.statusCounts['0'] ?? 0),
    latency: summarize(Array.from(latency)),
    byKind,
    sendLagP99Ms: summarize(Array.from(sendLag)).p99,
    elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
    ...tally,
  };
}
