import type { Logger } from '@nestjs/common';
import { FenceMarks } from './fence-marks';
import type { InvalidationMessage } from './invalidation-bus';
import type { ReadFence } from './read-fence';

type Tags<T> = readonly string[] | ((value: T) => readonly string[]) | undefined;

/**
 * The tiered cache's side of a ReadFence: the positions invalidations carry, and loaders run at or
 * after them. Without a fence every method is a no-op and loaders run as they are.
 */
export class FencedLoads {
  private readonly marks: FenceMarks;

  constructor(
    private readonly fence: ReadFence | undefined,
    private readonly logger: Logger,
  ) {
    this.marks = new FenceMarks(fence?.retainMs ?? 0);
  }

  /** How long Redis keeps a position too (undefined without a fence: nothing to keep). */
  get retainMs(): number | undefined {
    return this.fence?.retainMs;
  }

  /** Where the store's writes are now, for an invalidation to carry; undefined without a fence. */
  async position(): Promise<string | undefined> {
    if (!this.fence) return undefined;
    try {
      return await this.fence.position();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'write position unknown; invalidating without it');
      return undefined;
    }
  }

  /** An invalidation (this instance's or another's): later loads of its keys and tags wait for it. */
  remember(message: InvalidationMessage): void {
    if (message.position !== undefined && this.fence) {
      this.marks.raise(message.keys, message.tags, message.position);
    }
  }

  /** Redis refused to store `key` as older than `position`: this instance had not heard of it yet. */
  rememberKey(key: string, position: string): void {
    if (this.fence) this.marks.raise([key], [], position);
  }

  /** Invalidations may have been missed: every load waits for the current position for a while. */
  async rememberEverything(): Promise<void> {
    const position = await this.position();
    if (position !== undefined) this.marks.raiseAll(position);
  }

  /**
   * Runs the loader at or after the position of the last invalidation of this key or its tags, and
   * says at which (`loadedAt`, '' for none; absent without a fence). Tags computed from the value are
   * only known after the load: if one of them carries a later position, the value may be older than
   * its invalidation, so it is loaded again at that position.
   */
  async load<T>(
    key: string,
    loader: () => Promise<T>,
    tags: Tags<T>,
  ): Promise<{ value: T; loadedAt?: string }> {
    if (!this.fence) return { value: await loader() };
    const position = this.marks.required(key, typeof tags === 'function' ? [] : (tags ?? []));
    const value = await this.readAt(position, loader);
    if (typeof tags !== 'function' || value === undefined) return { value, loadedAt: position ?? '' };
    const after = this.marks.required(key, tags(value));
    return after !== undefined && (position === undefined || after > position)
      ? { value: await this.readAt(after, loader), loadedAt: after }
      : { value, loadedAt: position ?? '' };
  }

  private readAt<T>(position: string | undefined, loader: () => Promise<T>): Promise<T> {
    return position === undefined || !this.fence ? loader() : this.fence.readAtLeast(position, loader);
  }
}
