import type { HostPort } from './host-list';

/** Which Redis deployment the platform talks to; every key it writes works on all three. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; masterName: string; url: string }
  | { kind: 'cluster'; nodes: HostPort[]; url: string };
