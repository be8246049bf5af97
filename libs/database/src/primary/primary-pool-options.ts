import { Client, type ClientConfig } from 'pg';
import { NotPrimaryError, type PrimaryLocator } from './primary-locator';

/**
 * pg-pool options that send every new connection to the locator's current primary and refuse one that
 * turns out to be in recovery (pg-pool's `onConnect` hook ends it and fails the acquire, which the
 * API answers 503). Existing connections to a dead primary fail on their own and leave the pool.
 */
export function primaryPoolOptions(locator: PrimaryLocator): Record<string, unknown> {
  class PrimaryClient extends Client {
    constructor(config: ClientConfig) {
      super({ ...config, connectionString: locator.currentUrl });
    }

    // pg-pool connects with a callback; a failure here means the host may be gone: look again.
    override connect(): Promise<Client>;
    override connect(callback: (error: Error) => void): void;
    override connect(callback?: (error: Error) => void): Promise<Client> | void {
      const connecting = super.connect();
      connecting.catch(() => locator.suspect());
      if (!callback) return connecting;
      connecting.then(() => callback(null as unknown as Error), callback);
    }
  }

  return {
    Client: PrimaryClient,
    onConnect: async (client: Client) => {
      const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      if (rows[0].standby) {
        locator.suspect();
        throw new NotPrimaryError(locator.currentUrl);
      }
    },
  };
}
