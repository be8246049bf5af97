import { Global, Inject, Logger, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import {
  closeRedis,
  createRedis,
  waitUntilReady,
  type RedisClient,
  type RedisConnectionSettings,
} from './redis-connections';
import { compareVersions, MINIMUM_REDIS_VERSION, serverVersion } from './redis-topology';

/** The shared command connection: throttle, cache L2, LSN marks, health ping all use this one. */
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
/** The shared subscriber (pub/sub) connection. */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
/** Settings other libs (BullMQ) use to open their own role-specific connections. */
export const REDIS_SETTINGS = Symbol('REDIS_SETTINGS');

export const InjectRedis = (): ParameterDecorator => Inject(REDIS_COMMANDS);
export const InjectRedisSubscriber = (): ParameterDecorator => Inject(REDIS_SUBSCRIBER);

const settingsProvider: Provider = {
  provide: REDIS_SETTINGS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): RedisConnectionSettings => ({
    url: config.redis.url,
    topology: config.redis.topology,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    connectionName: `platform-${process.pid}`,
  }),
};

const commandsProvider: Provider = {
  provide: REDIS_COMMANDS,
  inject: [REDIS_SETTINGS],
  useFactory: async (settings: RedisConnectionSettings) => {
    const client = createRedis('commands', settings);
    client.on('error', () => undefined); // status is reported by /readyz and the breakers
    const ready = await waitUntilReady(client, 2_000);
    if (!ready) new Logger('Redis').warn('Redis not reachable at boot; continuing, readiness reports it');
    else await refuseOldRedis(client);
    return client;
  },
};

const subscriberProvider: Provider = {
  provide: REDIS_SUBSCRIBER,
  inject: [REDIS_SETTINGS],
  useFactory: (settings: RedisConnectionSettings) => {
    const client = createRedis('subscriber', settings);
    client.on('error', () => undefined);
    return client;
  },
};

/** Boot stops on a server too old for the commands the platform sends (better than 500s later). */
async function refuseOldRedis(client: RedisClient): Promise<void> {
  const version = await serverVersion(client).catch(() => undefined);
  if (version !== undefined && compareVersions(version, MINIMUM_REDIS_VERSION) < 0) {
    await closeRedis(client);
    throw new Error(`Redis ${version} is too old: the platform needs Redis >= ${MINIMUM_REDIS_VERSION}`);
  }
}

// Global: the connections close after every module that uses them (global hooks run last on shutdown).
@Global()
@Module({
  providers: [settingsProvider, commandsProvider, subscriberProvider],
  exports: [REDIS_SETTINGS, REDIS_COMMANDS, REDIS_SUBSCRIBER],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly commands: RedisClient,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedis(this.commands), closeRedis(this.subscriber)]);
  }
}
