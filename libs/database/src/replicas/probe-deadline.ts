/**
 * Rejects with `timeout()` when `work` has not settled `ms` after the call, unless its answer is
 * already on the socket.
 *
 * A plain timer race fails a probe whose answer came in time whenever the event loop was blocked past
 * the deadline (a burst of /metrics scrapes, a large JSON body): Node runs due timers before it reads
 * sockets, so the timer wins against an answer that is waiting to be read. Here the timer only starts
 * one more turn (setImmediate runs after that turn's I/O), so an arrived answer is read first and
 * wins; an answer still on its way loses as before. pg's own connect and query timeouts are plain
 * timers, which is why the probe connection does not use them.
 */
export function probeDeadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
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
