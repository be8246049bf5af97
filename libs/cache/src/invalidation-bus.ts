import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@platform/redis';

export interface InvalidationMessage {
  keys: string[];
  tags: string[];
  /**
   * The write position (ReadFence) at or after the change that caused the invalidation: reloads of
   * these keys and tags must read at or after it. Absent when reads cannot lag (or from older senders).
   */
  position?: string;
}

interface WireMessage extends InvalidationMessage {
  origin: string;
}

export interface InvalidationHandlers {
  /** Another instance invalidated these keys / tags: drop the L1 copies. */
  onRemote(message: InvalidationMessage): void;
  /**
   * The subscription came back after a break: messages sent meanwhile were lost, so every L1 copy
   * may be stale.
   */
  onResubscribed(): void;
}

/**
 * Tells every instance to drop L1 copies, over Redis pub/sub on `<prefix>cache:invalidate`. Publishes
 * on the command connection; listens on the shared subscriber connection (ioredis re-subscribes after
 * a reconnect by itself). Messages carry the sender's id so an instance ignores its own.
 */
export class InvalidationBus {
  readonly origin = randomUUID();
  readonly channel: string;
  private wasReady = false;
  private lostSinceReady = false;
  private subscribing = false;
  private readonly onMessage = (channel: string, raw: string) => this.receive(channel, raw);
  private readonly onReady = () => this.ready();
  private readonly onClose = () => {
    if (this.wasReady) this.lostSinceReady = true;
  };

  constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    keyPrefix: string,
    private readonly handlers: InvalidationHandlers,
  ) {
    this.channel = `${keyPrefix}cache:invalidate`;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('ready', this.onReady);
    this.subscriber.on('close', this.onClose);
    if (this.subscriber.status === 'ready') this.ready();
  }

  async stop(): Promise<void> {
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    this.subscriber.off('close', this.onClose);
    if (this.subscriber.status === 'ready')
      await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  /** Throws when Redis cannot be reached; the caller keeps the message to send later. */
  async publish(message: InvalidationMessage): Promise<void> {
    const wire: WireMessage = { origin: this.origin, ...message };
    await this.publisher.publish(this.channel, JSON.stringify(wire));
  }

  private ready(): void {
    // Subscribe only on a live connection: queued in the offline queue while Redis is down, the
    // command would hold up the connection's QUIT at shutdown. ioredis re-subscribes by itself after
    // later reconnects.
    if (!this.subscribing) {
      this.subscribing = true;
      this.subscriber.subscribe(this.channel).catch(() => {
        this.subscribing = false;
      });
    }
    if (this.lostSinceReady) {
      this.lostSinceReady = false;
      this.handlers.onResubscribed();
    }
    this.wasReady = true;
  }

  private receive(channel: string, raw: string): void {
    if (channel !== this.channel) return;
    let message: WireMessage;
    try {
      message = JSON.parse(raw) as WireMessage;
    } catch {
      return;
    }
    if (message.origin === this.origin || !Array.isArray(message.keys) || !Array.isArray(message.tags))
      return;
    this.handlers.onRemote({
      keys: message.keys.map(String),
      tags: message.tags.map(String),
      position: typeof message.position === 'string' ? message.position : undefined,
    });
  }
}
