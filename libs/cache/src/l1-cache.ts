import { LRUCache } from 'lru-cache';

export interface L1Options {
  maxEntries: number;
  maxBytes: number;
}

interface L1Entry {
  value: unknown;
  tags: readonly string[];
}

/**
 * The in-process layer: lru-cache bounded by entry count and by bytes (each entry weighs its JSON
 * length), with a tag index so a tag invalidation can find this instance's copies without Redis.
 * Values are shared between callers: treat what the cache returns as read-only.
 */
export class L1Cache {
  private readonly lru: LRUCache<string, L1Entry>;
  private readonly byTag = new Map<string, Set<string>>();

  constructor(options: L1Options) {
    this.lru = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // An entry larger than a tenth of the budget would flush most of L1 on its own; it stays in L2.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 10)),
      dispose: (entry, key) => this.unindex(key, entry.tags),
    });
  }

  get(key: string): { value: unknown } | undefined {
    const entry = this.lru.get(key);
    return entry && { value: entry.value };
  }

  set(key: string, value: unknown, bytes: number, ttlMs: number, tags: readonly string[] = []): void {
    if (ttlMs <= 0) return;
    this.lru.set(key, { value, tags }, { ttl: ttlMs, size: Math.max(1, bytes) });
    // lru-cache refuses entries over maxEntrySize (and disposes a previous one): index only what stayed.
    if (!this.lru.has(key)) return;
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Drops every entry carrying `tag`; returns their keys. */
  deleteTag(tag: string): string[] {
    const keys = [...(this.byTag.get(tag) ?? [])];
    for (const key of keys) this.lru.delete(key);
    this.byTag.delete(tag);
    return keys;
  }

  clear(): void {
    this.lru.clear();
    this.byTag.clear();
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  private unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }
}
