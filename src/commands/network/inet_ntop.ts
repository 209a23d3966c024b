/**
 * Address text exactly as glibc's `inet_ntop()` writes it, so no FFI call is needed per address.
 *
 * IPv6 follows glibc's algorithm (from BIND): lower-case hex words without leading zeros; the
 * first longest run of at least two zero words becomes `::`; `::a.b.c.d` and `::ffff:a.b.c.d`
 * (a zero run of exactly 6 words, or 5 words then `ffff`, at the start) end in dotted IPv4.
 * The test suite compares this with libc's `inet_ntop` on edge cases and random addresses.
 *
 * @module
 */

/**
 * Formats 4 bytes as dotted decimal (`inet_ntop(AF_INET, ...)`).
 *
 * @param b The address bytes (at least 4; the first 4 are used).
 * @returns E.g. `192.0.2.1`.
 */
export function formatIpv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * Formats 16 bytes as glibc's `inet_ntop(AF_INET6, ...)` does.
 *
 * @param b The address bytes (at least 16; the first 16 are used).
 * @returns E.g. `fe80::fc:ff:fe00:1`, `::1`, `::ffff:192.0.2.1`.
 */
export function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else {
        curLen++;
      }
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) {
    [bestBase, bestLen] = [curBase, curLen];
  }
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;

  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIpv4(b.subarray(12, 16));
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}

/**
 * Number of set bits in `bytes` (qemu-ga's prefix length: the netmask's popcount).
 *
 * @param bytes The netmask bytes.
 * @returns The count of 1 bits.
 */
export function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (let v of bytes) {
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
}
