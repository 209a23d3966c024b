/**
 * The process's capabilities: reading the sets (`capget`, the bounding and ambient sets through
 * `prctl`), and dropping all but a few before the agent re-executes itself into its sandbox.
 *
 * Why the bounding set matters most: when root executes a program, the kernel gives it every
 * capability of the bounding set again (root's file capabilities count as all set). So
 * {@link dropCapabilitiesExcept} removes the others from the bounding set first
 * (`PR_CAPBSET_DROP`, which needs `CAP_SETPCAP`), clears the ambient set, then sets effective,
 * permitted and inheritable to the kept ones the process holds. With `PR_SET_NO_NEW_PRIVS`
 * (`./landlock.ts` sets it) no later `execve` can gain anything back.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { readSmallFile } from "./fd.ts";
import { check, errno, libc } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { CapabilityNumbers, CapUser, Prctl } from "./sandbox_structs.ts";

/** A capability's name, `CAP_SYS_TIME` and so on (those Linux 6.1 knows). */
export type CapabilityName = keyof typeof CapabilityNumbers;

/** Every named capability, in number order. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = Object.keys(
  CapabilityNumbers,
) as CapabilityName[];

/** The highest capability number this kernel knows. */
const CAP_LAST_CAP = "/proc/sys/kernel/cap_last_cap";

/** The capability sets of this process. */
export interface HeldCapabilities {
  readonly effective: readonly CapabilityName[];
  readonly permitted: readonly CapabilityName[];
  readonly inheritable: readonly CapabilityName[];
  readonly bounding: readonly CapabilityName[];
  readonly ambient: readonly CapabilityName[];
  /** Numbers beyond {@link CapabilityName} that are in any set (a newer kernel's). */
  readonly unnamed: readonly number[];
}

/**
 * The capability sets of this process: effective, permitted and inheritable by `capget`
 * (version 3), the bounding set by `PR_CAPBSET_READ` and the ambient set by
 * `PR_CAP_AMBIENT_IS_SET`, for every capability up to `/proc/sys/kernel/cap_last_cap`.
 *
 * @throws OsError when `capget` fails.
 */
export function heldCapabilities(): HeldCapabilities {
  const sets = capget();
  const last = lastCapability();
  const bounding: number[] = [];
  const ambient: number[] = [];
  for (let cap = 0; cap <= last; cap++) {
    if (libc().prctl(Prctl.PR_CAPBSET_READ, BigInt(cap), 0n, 0n, 0n) === 1) bounding.push(cap);
    const isSet = libc().prctl(
      Prctl.PR_CAP_AMBIENT,
      BigInt(Prctl.PR_CAP_AMBIENT_IS_SET),
      BigInt(cap),
      0n,
      0n,
    );
    if (isSet === 1) ambient.push(cap);
  }
  const all = [...sets.effective, ...sets.permitted, ...sets.inheritable, ...bounding, ...ambient];
  return {
    effective: names(sets.effective),
    permitted: names(sets.permitted),
    inheritable: names(sets.inheritable),
    bounding: names(bounding),
    ambient: names(ambient),
    unnamed: [...new Set(all.filter((n) => n >= CAPABILITY_NAMES.length))].sort((a, b) => a - b),
  };
}

/** What {@link dropCapabilitiesExcept} did. */
export interface DropReport {
  /** The kept capabilities the process held (now its effective, permitted, inheritable sets). */
  readonly kept: readonly CapabilityName[];
  /** Whether the bounding set was narrowed (it cannot be without `CAP_SETPCAP`). */
  readonly boundingNarrowed: boolean;
}

/**
 * Drops every capability but `keep`: from the bounding set (when `CAP_SETPCAP` is effective;
 * otherwise it stays as it is, which the report says), the ambient set (cleared), and the
 * effective, permitted and inheritable sets (set to `keep` ∩ permitted). Irreversible.
 *
 * @throws OsError when `prctl` or `capset` fails.
 */
export function dropCapabilitiesExcept(keep: readonly CapabilityName[]): DropReport {
  const lib = libc();
  const wanted = new Set<number>(keep.map((name) => CapabilityNumbers[name]));
  const before = capget();
  const last = lastCapability();
  const canDropBounding = before.effective.includes(CapabilityNumbers.CAP_SETPCAP);
  if (canDropBounding) {
    for (let cap = 0; cap <= last; cap++) {
      if (wanted.has(cap)) continue;
      check("prctl", lib.prctl(Prctl.PR_CAPBSET_DROP, BigInt(cap), 0n, 0n, 0n));
    }
  }
  if (lib.prctl(Prctl.PR_CAP_AMBIENT, BigInt(Prctl.PR_CAP_AMBIENT_CLEAR_ALL), 0n, 0n, 0n) < 0) {
    // EINVAL: a kernel before 4.3, without ambient capabilities: nothing to clear.
    const code = errno();
    if (code !== Errno.EINVAL) throw new OsError(code, "prctl");
  }
  const kept = before.permitted.filter((cap) => wanted.has(cap));
  // capset refuses an inheritable capability outside the old inheritable and bounding sets.
  const inheritable = kept.filter((cap) =>
    before.inheritable.includes(cap) ||
    lib.prctl(Prctl.PR_CAPBSET_READ, BigInt(cap), 0n, 0n, 0n) === 1
  );
  capset({ effective: kept, permitted: kept, inheritable });
  return { kept: names(kept), boundingNarrowed: canDropBounding };
}

interface CapSets {
  readonly effective: number[];
  readonly permitted: number[];
  readonly inheritable: number[];
}

function header(): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(CapUser.HEADER_SIZE);
  new DataView(h.buffer).setUint32(0, CapUser.VERSION_3, true);
  return h;
}

function capget(): CapSets {
  const data = new Uint8Array(CapUser.DATA_SIZE * CapUser.U32S_3);
  check("capget", libc().capget(header(), data));
  const view = new DataView(data.buffer);
  const read = (field: number) => {
    const caps: number[] = [];
    for (let word = 0; word < CapUser.U32S_3; word++) {
      const bits = view.getUint32(word * CapUser.DATA_SIZE + field, true);
      for (let bit = 0; bit < 32; bit++) if (bits & (1 << bit)) caps.push(word * 32 + bit);
    }
    return caps;
  };
  return {
    effective: read(CapUser.EFFECTIVE),
    permitted: read(CapUser.PERMITTED),
    inheritable: read(CapUser.INHERITABLE),
  };
}

function capset(sets: CapSets): void {
  const data = new Uint8Array(CapUser.DATA_SIZE * CapUser.U32S_3);
  const view = new DataView(data.buffer);
  const write = (field: number, caps: readonly number[]) => {
    for (let word = 0; word < CapUser.U32S_3; word++) {
      let bits = 0;
      for (const cap of caps) if (cap >> 5 === word) bits |= 1 << (cap & 31);
      view.setUint32(word * CapUser.DATA_SIZE + field, bits >>> 0, true);
    }
  };
  write(CapUser.EFFECTIVE, sets.effective);
  write(CapUser.PERMITTED, sets.permitted);
  write(CapUser.INHERITABLE, sets.inheritable);
  check("capset", libc().capset(header(), data));
}

/**
 * `/proc/sys/kernel/cap_last_cap`; when it cannot be read (a sandbox without that file), the
 * highest number `PR_CAPBSET_READ` accepts.
 */
function lastCapability(): number {
  try {
    const text = new TextDecoder().decode(readSmallFile(CAP_LAST_CAP, 64)).trim();
    if (/^[0-9]{1,2}$/.test(text)) return Number(text);
  } catch {
    // Fall through to asking the kernel cap by cap.
  }
  let cap = 0;
  while (cap < 63 && libc().prctl(Prctl.PR_CAPBSET_READ, BigInt(cap + 1), 0n, 0n, 0n) >= 0) cap++;
  return cap;
}

function names(caps: readonly number[]): CapabilityName[] {
  return caps.filter((n) => n < CAPABILITY_NAMES.length).map((n) => CAPABILITY_NAMES[n]!);
}
