import { Client } from 'pg';

/**
 * A dedicated connection for health probes, so a busy pool never makes a healthy host look dead.
 * Reconnects on the next probe after any failure.
 */
export class ProbeConnection {
  private client?: Client;

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
  ) {}

  async query<Row extends object>(sql: string, timeoutMs: number): Promise<Row[]> {
    try {
      const client = await this.connect(timeoutMs);
      return (await client.query<Row>(sql)).rows;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(timeoutMs: number): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.url,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      application_name: this.applicationName,
    });
    client.on('error', () => void this.close());
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      this.client = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }
}
