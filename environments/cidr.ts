/** IPv4 CIDR arithmetic used by configuration validation (no dependency: it is twenty lines of bit math). */
export interface Ipv4Cidr {
  readonly network: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when malformed or when host bits are set (AWS rejects those). */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((address & mask) >>> 0 !== address) return undefined;
  return { network: address, prefix };
}

function range(c: Ipv4Cidr): [number, number] {
  const size = 2 ** (32 - c.prefix);
  return [c.network, c.network + size - 1];
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  const [a0, a1] = range(outer);
  const [b0, b1] = range(inner);
  return b0 >= a0 && b1 <= a1;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}
