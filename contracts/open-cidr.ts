/**
 * A source range counts as "the internet" when it is wider than a /8: 0.0.0.0/0 itself, and the splits that open the
 * same space without writing it (0.0.0.0/1 + 128.0.0.0/1, ...). No office or VPN range is that wide.
 */
export const WORLD_OPEN_PREFIX = 8;

/** True for an IPv4 or IPv6 CIDR with a prefix shorter than /8 (`0.0.0.0/0`, `::/0`, `0.0.0.0/1`, ...). */
export function isWorldOpen(cidr: string): boolean {
  const m = /^[0-9a-fA-F.:]+\/(\d{1,3})$/.exec(cidr.trim());
  return m !== null && Number(m[1]) < WORLD_OPEN_PREFIX;
}
