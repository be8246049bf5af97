import { Socket } from 'node:net';
import { Client } from 'pg';
import { withDeadline } from '@platform/resilience';

/** How long a close waits for the server's goodbye before cutting the socket. */
const CLOSE_GRACE_MS = 1_000;

/**
 * A dedicated connection for health probes, so a busy pool never makes a healthy host look dead.
 * Reconnects on the next probe after any failure.
 */
export class ProbeConnection {
  private client?: Client;
  private socket?: Socket;
  /**
   * Probes that arrive while the same query is out share its answer. A burst of probes (several
   * kubelets, a load balancer, an operator's loop) would otherwise queue on the one client, and the
   * first that timed out behind the queue would close it under all the others: one slow moment
   * answered as many failures.
   */
  private readonly inFlight = new Map<string, Promise<object[]>>();

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
  ) {}

  query<Row extends object>(sql: string, timeoutMs: number): Promise<Row[]> {
    let pending = this.inFlight.get(sql);
    if (!pending) {
      pending = this.run<Row>(sql, timeoutMs).finally(() => this.inFlight.delete(sql));
      this.inFlight.set(sql, pending);
    }
    return pending as Promise<Row[]>;
  }

  /**
   * Ends the connection politely, but never waits long on a server that stopped answering (a stalled
   * handshake, a stopped host): pg's end() waits for the server's goodbye, so the socket is cut after
   * CLOSE_GRACE_MS.
   */
  async close(): Promise<void> {
    const client = this.client;
    const socket = this.socket;
    this.client = undefined;
    this.socket = undefined;
    if (!client) return;
    await withDeadline(client.end(), CLOSE_GRACE_MS, () => new Error('no goodbye')).catch(() => undefined);
    socket?.destroy();
  }

  private async run<Row extends object>(sql: string, timeoutMs: number): Promise<Row[]> {
    try {
      const result = await withDeadline(
        this.connect().then((client) => client.query<Row>(sql)),
        timeoutMs,
        () => new Error(`probe timed out after ${timeoutMs} ms`),
      );
      return result.rows;
    } catch (error) {
      // Closed in the background (a connect or query may still be running past the deadline): the
      // callers get their answer now, and the next probe opens a new connection.
      void this.close();
      throw error;
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    // No connect or query timeout of pg's own: the probe's deadline bounds both (see withDeadline).
    // The socket is ours, so close() can cut it.
    const socket = new Socket();
    const client = new Client({
      connectionString: this.url,
      application_name: this.applicationName,
      stream: () => socket,
    });
    client.on('error', () => {
      if (this.client === client) void this.close();
    });
    this.client = client;
    this.socket = socket;
    try {
      await client.connect();
    } catch (error) {
      if (this.client === client) void this.close();
      else socket.destroy();
      throw error;
    }
    return client;
  }
}
