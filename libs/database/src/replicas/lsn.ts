/**
 * Postgres WAL positions ("16/B374D848") as bigints, so they compare and subtract exactly
 * (an LSN is a 64-bit byte offset; a JS number would lose precision past 2^53).
 */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!match) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Fixed-width hex, so Redis (Lua) can keep the larger of two LSNs with a plain string comparison. */
export function lsnSortKey(lsn: bigint): string {
  return lsn.toString(16).padStart(16, '0');
}

export function parseLsnSortKey(key: string): bigint {
  return BigInt(`0x${key}`);
}
