/**
 * `guest-get-vcpus`, computed as qemu-ga 7.2 does:
 *
 * - `/sys/devices/system/cpu` is listed in `readdir()` order; an entry yields a processor when
 *   `sscanf(name, "cpu%" PRId64, &id)` converts a number (so `cpu12` → 12, `cpufreq` and
 *   `cpuidle` are skipped, and like `strtol`, `cpu-1`, `cpu 3`, `cpu4x` and `cpu007` count too);
 * - for each, `cpu<id>/` is opened, then its `online` file: missing (`ENOENT`) → online, cannot be
 *   offlined; else its first byte `'0'` → offline, anything else → online; can be offlined;
 * - the first failure ends the command with 7.2's message:
 *   `failed to list entries: /sys/devices/system/cpu: <strerror>`,
 *   `open("/sys/devices/system/cpu/cpuN/"): <strerror>`,
 *   `open("/sys/devices/system/cpu/cpuN//online"): <strerror>` (double slash, sic),
 *   `pread("/sys/devices/system/cpu/cpuN//online"): <strerror>` or `...: unexpected EOF`.
 *
 * Differences, both unreachable on a real sysfs: a name that is a proper prefix of `cpu` or is
 * `cpu` plus only whitespace makes 7.2's `sscanf` return EOF (true) and use an uninitialised id;
 * such entries are skipped here. A listing without any processor makes 7.2 abort on an
 * assertion; here the reply is `[]`.
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";
import { CPU_SYSFS_DIR, type Cpus } from "../../sys/cpus.ts";
import type { Handler } from "../context.ts";
import { osCall, readOnline } from "./online.ts";

/** One element of the reply. */
export type LogicalProcessor = Named<"GuestLogicalProcessor">;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** C `isspace` in the "C" locale. */
function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function isDigit(c: string | undefined): c is string {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * `sscanf(name, "cpu%" PRId64, &id)` with glibc's semantics.
 *
 * @param name A directory entry name.
 * @returns The converted id; `"no-match"` when sscanf returns 0; `"eof"` when it returns EOF
 *   (input ended before the conversion, leaving the id uninitialised).
 */
export function scanCpuId(name: string): bigint | "no-match" | "eof" {
  const literal = "cpu";
  for (let i = 0; i < literal.length; i++) {
    if (i >= name.length) return "eof";
    if (name[i] !== literal[i]) return "no-match";
  }
  let i = literal.length;
  while (isSpace(name[i])) i++;
  if (i >= name.length) return "eof";
  let negative = false;
  if (name[i] === "+" || name[i] === "-") {
    negative = name[i] === "-";
    i++;
  }
  if (!isDigit(name[i])) return "no-match";
  let v = 0n;
  while (isDigit(name[i])) {
    if (v <= INT64_MAX) v = v * 10n + BigInt(name.charCodeAt(i) - 0x30);
    i++;
  }
  if (negative) v = -v;
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/**
 * Lists the logical processors as qemu-ga 7.2 does.
 *
 * @param cpus Access to `/sys/devices/system/cpu`.
 * @returns The reply list.
 * @throws QgaError with 7.2's message on the first failure.
 */
export function listVcpus(cpus: Cpus): LogicalProcessor[] {
  const names = osCall(`failed to list entries: ${CPU_SYSFS_DIR}`, () => cpus.listCpuDir());
  const out: LogicalProcessor[] = [];
  for (const name of names) {
    const id = scanCpuId(name);
    if (typeof id !== "bigint") continue;
    const online = readOnline(cpus, `${CPU_SYSFS_DIR}/cpu${id}/`);
    if (online === "missing") out.push({ "logical-id": id, online: true, "can-offline": false });
    else out.push({ "logical-id": id, online, "can-offline": true });
  }
  return out;
}

/** `guest-get-vcpus`. */
export const guestGetVcpus: Handler<"guest-get-vcpus"> = (_args, ctx) => listVcpus(ctx.sys.cpus);
