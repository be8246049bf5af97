import { LRUCache } from 'lru-cache';
import { laterPosition } from './read-fence';

interface Mark {
  position: string;
  /** Epoch ms after which the mark no longer matters (see ReadFence.retainMs). */
  until: number;
}

/**
 * Per key and per tag, the write position the last invalidation carried, kept for `retainMs`: a
 * reload of an entry with that key or tag must read at or after it. Bounded: a mark pushed out early
 * becomes a floor for every load until it would have expired, so forgetting a mark never reopens a
 * stale read (it only sends more loads to the up-to-date source for a while).
 */
export class FenceMarks {
  private readonly marks: LRUCache<string, Mark>;
  private floor?: Mark;

  constructor(
    private readonly retainMs: number,
    maxMarks = 50_000,
    private readonly now: () => number = Date.now,
  ) {
    this.marks = new LRUCache<string, Mark>({
      max: maxMarks,
      dispose: (mark, _name, reason) => {
        if (reason === 'evict') this.raiseFloor(mark);
      },
    });
  }

  /** Loads of these keys, and of entries carrying these tags, must read at or after `position`. */
  raise(keys: readonly string[], tags: readonly string[], position: string): void {
    const until = this.now() + this.retainMs;
    for (const key of keys) this.raiseOne(`k:${key}`, { position, until });
    for (const tag of tags) this.raiseOne(`t:${tag}`, { position, until });
  }

  /** Every load must read at or after `position` (invalidations may have been missed). */
  raiseAll(position: string): void {
    this.raiseFloor({ position, until: this.now() + this.retainMs });
  }

  /** The position a load of `key`, carrying `tags`, must read at; undefined when any will do. */
  required(key: string, tags: readonly string[]): string | undefined {
    let position = this.live(this.floor);
    position = laterPosition(position, this.live(this.marks.get(`k:${key}`)));
    for (const tag of tags) position = laterPosition(position, this.live(this.marks.get(`t:${tag}`)));
    return position;
  }

  get size(): number {
    return this.marks.size;
  }

  private raiseOne(name: string, mark: Mark): void {
    const current = this.marks.get(name);
    this.marks.set(name, current && this.live(current) !== undefined ? merge(current, mark) : mark);
  }

  private raiseFloor(mark: Mark): void {
    if (mark.until <= this.now()) return;
    const current = this.floor;
    this.floor = current && this.live(current) !== undefined ? merge(current, mark) : mark;
  }

  private live(mark: Mark | undefined): string | undefined {
    return mark && mark.until > this.now() ? mark.position : undefined;
  }
}

function merge(a: Mark, b: Mark): Mark {
  return { position: b.position > a.position ? b.position : a.position, until: Math.max(a.until, b.until) };
}
