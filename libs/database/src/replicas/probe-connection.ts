import { Client } from 'pg';
import { probeDeadline } from './probe-deadline';

/**
 * A dedicated connection for health probes, so a busy pool never makes a healthy host look dead.
 * Reconnects on the next probe after any failure.
 */
export class ProbeConnection {
  private client?: Client;
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

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async run<Row extends object>(sql: string, timeoutMs: number): Promise<Row[]> {
    try {
      return await probeDeadline(
        this.connect().then((client) => client.query<Row>(sql)),
        timeoutMs,
        () => new Error(`probe timed out after ${timeoutMs} ms`),
      ).then((result) => result.rows);
    } catch (error) {
      // Also ends a connect or query still running past the deadline.
      await this.close();
      throw error;
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    // No connect or query timeout of pg's own: the probe's deadline bounds both (see probeDeadline).
    const client = new Client({ connectionString: this.url, application_name: this.applicationName });
    client.on('error', () => void this.close());
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      if (this.client === client) this.client = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }
}
