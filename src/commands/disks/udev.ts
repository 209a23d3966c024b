/**
 * What qemu-ga 7.2 gets from libudev (systemd 252's `sd-device`), computed from the same files:
 * `udev_device_new_from_syspath()`, `udev_device_get_devnode()` and
 * `udev_device_get_property_value()`.
 *
 * - A device exists when its path is under `/sys/`, resolves (`realpath`), and — when it
 *   resolves under `/sys/devices/` — has a `uevent` file, else is a directory.
 * - Its `uevent` file gives `KEY=VALUE` properties (lines split at `\n` or `\r`, a line without
 *   `=` ignored, an unterminated last line ignored); `DEVNAME` gives the device node
 *   (`/dev/` + the name unless it starts with `/`). A `uevent` that is missing or unreadable
 *   with `EACCES`/`ENOENT`/`ENODEV`/`ENXIO` counts as empty; any other read error leaves the
 *   device without node and properties.
 * - udev's database adds and overrides properties: `/run/udev/data/<id>` with `<id>` =
 *   `b<major>:<minor>` for the `block` subsystem (`c…` for others; `+<subsystem>:<sysname>`
 *   without numbers), the subsystem being the basename of the `subsystem` link. Its `E:KEY=VALUE`
 *   lines set properties (an empty value removes one); other line kinds are ignored. No
 *   database file (udevd not running, device not yet processed) means no extra properties —
 *   which is exactly what libudev does too. Without a subsystem, or when the database cannot be
 *   read for another reason than `ENOENT`, there are no properties at all.
 *
 * Not reproduced: libudev's check that the path is on a sysfs mount
 * (`$SYSTEMD_DEVICE_VERIFY_SYSFS`), always true on a real `/sys`; its implicit `drivers`
 * subsystem of paths under `.../drivers/` without a `subsystem` link (never a block device); and
 * its acceptance of octal/hex `MAJOR`/`MINOR` values (the kernel writes decimal).
 *
 * @module
 */

import type { Disks } from "../../sys/disks/disks.ts";
import { Errno } from "../../sys/errno.ts";
import { OsError } from "../../sys/os_error.ts";

/** Where udevd keeps its device database. */
export const UDEV_DATA_DIR = "/run/udev/data";

/** `ERRNO_IS_DEVICE_ABSENT()` and `EACCES`: a `uevent` that reads as empty. */
const EMPTY_UEVENT_ERRNOS: readonly number[] = [
  Errno.EACCES,
  Errno.ENODEV,
  Errno.ENXIO,
  Errno.ENOENT,
];

/** udev files are ASCII; other bytes become U+FFFD without ever taking a newline with them. */
const utf8 = new TextDecoder();

/** Splits `KEY<sep>VALUE` lines as sd-device's state machines do; unterminated lines are lost. */
function terminatedLines(bytes: Uint8Array): string[] {
  const text = utf8.decode(bytes);
  const lines = text.split(/[\n\r]/);
  lines.pop();
  return lines;
}

/** A C string's view of a text: up to its first NUL. */
function cString(text: string): string {
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

/** `basename` of a link target, as sd-device's `readlink_value()`. */
function lastComponent(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? "";
}

/** A udev device of qemu-ga's queries; see the module documentation. */
export class UdevDevice {
  readonly #disks: Disks;
  /** The device's resolved sysfs path. */
  readonly syspath: string;
  #uevent:
    | { properties: Map<string, string>; devname?: string; devnum?: string }
    | null
    | undefined;

  private constructor(disks: Disks, syspath: string) {
    this.#disks = disks;
    this.syspath = syspath;
  }

  /**
   * `udev_device_new_from_syspath()`.
   *
   * @param disks The OS access.
   * @param syspath A path under `/sys/`.
   * @returns The device, or null where libudev returns NULL.
   */
  static fromSyspath(disks: Disks, syspath: string): UdevDevice | null {
    if (!syspath.startsWith("/sys/")) return null;
    let real: string;
    try {
      real = disks.realpath(syspath);
      if (real.startsWith("/sys/devices/")) disks.isDirectory(`${real}/uevent`);
      else if (!disks.isDirectory(real)) return null;
    } catch (e) {
      if (e instanceof OsError) return null;
      throw e;
    }
    if (!real.startsWith("/sys/") || real === "/sys/") return null;
    return new UdevDevice(disks, real);
  }

  /** The parsed `uevent` file; null when reading it failed for real. */
  #readUevent() {
    if (this.#uevent !== undefined) return this.#uevent;
    let bytes: Uint8Array;
    try {
      bytes = this.#disks.readFile(`${this.syspath}/uevent`);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      this.#uevent = EMPTY_UEVENT_ERRNOS.includes(e.errno) ? { properties: new Map() } : null;
      return this.#uevent;
    }
    const properties = new Map<string, string>();
    let devname: string | undefined;
    let major: string | undefined;
    let minor: string | undefined;
    for (const line of terminatedLines(bytes)) {
      // The key's first byte is taken before '=' is looked for: "=a=b" is key "=a".
      const eq = line.indexOf("=", 1);
      if (eq < 0) continue;
      const key = cString(line.slice(0, eq));
      const value = cString(line.slice(eq + 1));
      if (key === "MAJOR") major = value;
      else if (key === "MINOR") minor = value;
      else if (key === "DEVNAME") {
        devname = value.startsWith("/") ? value : `/dev/${value}`;
        properties.set(key, devname);
      } else properties.set(key, value);
    }
    const devnum = devnumOf(major, minor);
    this.#uevent = { properties, ...(devname === undefined ? {} : { devname }), ...devnum };
    return this.#uevent;
  }

  /** `udev_device_get_devnode()`: the device node, or null. */
  devnode(): string | null {
    return this.#readUevent()?.devname ?? null;
  }

  /** `udev_device_get_property_value()`: the property, or null. */
  property(key: string): string | null {
    const uevent = this.#readUevent();
    if (uevent === null) return null;
    const id = this.#deviceId(uevent.devnum);
    if (id === null) return null;
    const properties = new Map(uevent.properties);
    let db: Uint8Array | undefined;
    try {
      db = this.#disks.readFile(`${UDEV_DATA_DIR}/${id}`);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      if (e.errno !== Errno.ENOENT) return null;
    }
    if (db) applyDatabase(properties, db);
    return properties.get(key) ?? null;
  }

  /** sd-device's `device_get_device_id()`, or null when it fails. */
  #deviceId(devnum: string | undefined): string | null {
    const subsystem = this.#subsystem();
    if (subsystem === null) return null;
    let id: string;
    if (devnum !== undefined) id = `${subsystem === "block" ? "b" : "c"}${devnum}`;
    else {
      const sysname = lastComponent(this.syspath);
      id = `+${subsystem}:${sysname}`;
    }
    return id.includes("/") || id.length > 255 ? null : id;
  }

  /** The `subsystem` link's basename, sd-device's implicit names, or null. */
  #subsystem(): string | null {
    try {
      return lastComponent(this.#disks.readlink(`${this.syspath}/subsystem`));
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      if (e.errno !== Errno.ENOENT) return null;
    }
    const devpath = this.syspath.slice("/sys".length);
    if (/^\/module\/./.test(devpath)) return "module";
    if (/^\/(class|bus)\/./.test(devpath)) return "subsystem";
    return null;
  }
}

/**
 * The device number text (`<major>:<minor>`) sd-device's `device_set_devnum()` accepts from
 * `MAJOR`/`MINOR`: decimal, major 1..4095, minor below 2^20 (0 when absent).
 */
function devnumOf(major: string | undefined, minor: string | undefined): { devnum?: string } {
  if (major === undefined || !/^\d+$/.test(major)) return {};
  if (minor !== undefined && !/^\d+$/.test(minor)) return {};
  const maj = BigInt(major);
  const min = minor === undefined ? 0n : BigInt(minor);
  if (maj === 0n || maj >= 1n << 12n || min >= 1n << 20n) return {};
  return { devnum: `${maj}:${min}` };
}

/** Applies a udev database file's `E:` lines (sd-device's `device_read_db_internal_filename`). */
function applyDatabase(properties: Map<string, string>, db: Uint8Array): void {
  const text = utf8.decode(db);
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\n" || text[i] === "\r") {
      i++;
      continue;
    }
    const key = text[i]!;
    if (text[i + 1] !== ":") {
      // An invalid line is skipped up to the next newline after the byte that broke it (which
      // is consumed even when it is itself a newline).
      const end = text.slice(i + 2).search(/[\n\r]/);
      if (end < 0) return;
      i += 2 + end + 1;
      continue;
    }
    // The value starts right after the colon, whatever that byte is, and runs to the next
    // newline; a value that never ends is dropped.
    const start = i + 2;
    if (start >= text.length) return;
    const rest = text.slice(start + 1).search(/[\n\r]/);
    if (rest < 0) return;
    const end = start + 1 + rest;
    if (key === "E") setProperty(properties, cString(text.slice(start, end)));
    i = end + 1;
  }
}

/** An `E:` value `KEY=VALUE`: sets the property, or removes it when VALUE is empty. */
function setProperty(properties: Map<string, string>, entry: string): void {
  const eq = entry.indexOf("=");
  if (eq < 0) return;
  const key = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (value === "") properties.delete(key);
  else properties.set(key, value);
}
