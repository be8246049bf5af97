/**
 * Rejects with `timeout()` when `work` has not settled `ms` after the call, unless its answer is
 * already on a socket.
 *
 * A plain timer race (Promise.race with setTimeout, Terminus' withTimeout, pg's query_timeout) fails
 * an answer that came in time whenever the event loop was blocked past the deadline (a burst of
 * /metrics scrapes, a large JSON body): Node runs due timers before it reads sockets, so the timer
 * wins against an answer that is waiting to be read. Here the timer only starts one more turn
 * (setImmediate runs after that turn's I/O), so an arrived answer is read first and wins; an answer
 * still on its way loses as before. Health probes use it: after a stall, a probe must report the
 * dependency, not the stall.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!settled) reject(timeout());
      });
    }, ms);
    work
      .finally(() => {
        settled = true;
        clearTimeout(timer);
      })
      .then(resolve, reject);
  });
}
