/**
 * `cidr` matching for IPv4 (`10.0.0.0/24`) and IPv6 (`2001:db8::/32`) blocks. An event value
 * matches when it is a textual address of the same family inside the block. A bare address
 * (no `/n`) is not a CIDR block and is rejected by `parseCidr`.
 */

/** A parsed block: family, network bits and prefix length. */
export interface CidrBlock {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly bits: number;
}

/** Parses a dotted IPv4 address to a 32-bit integer, or undefined. */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** Parses an IPv6 address (with `::` compression and an optional trailing IPv4) to 128 bits. */
export function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses `address/bits`, or returns why it is not a valid CIDR block. */
export function parseCidr(text: string): { ok: true; block: CidrBlock } | { ok: false; error: string } {
  const slash = text.indexOf("/");
  const bad = { ok: false as const, error: `cidr "${text}" is not a valid IPv4 or IPv6 CIDR block` };
  if (slash < 0) return bad;
  const address = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return bad;
  const bits = Number(bitsText);
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    if (bits > 32) return bad;
    return { ok: true, block: { family: 4, network: maskOf(v4, 32, bits), bits } };
  }
  const v6 = parseIpv6(address);
  if (v6 !== undefined) {
    if (bits > 128) return bad;
    return { ok: true, block: { family: 6, network: maskOf(v6, 128, bits), bits } };
  }
  return bad;
}

function maskOf(value: bigint, width: number, bits: number): bigint {
  const hostBits = BigInt(width - bits);
  return (value >> hostBits) << hostBits;
}

/** True when `address` (text) lies inside `block`. */
export function cidrContains(block: CidrBlock, address: string): boolean {
  const width = block.family === 4 ? 32 : 128;
  const value = block.family === 4 ? parseIpv4(address) : parseIpv6(address);
  if (value === undefined) return false;
  return maskOf(value, width, block.bits) === block.network;
}
