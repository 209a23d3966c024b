/**
 * The list of "freezable local filesystems" that guest-fsfreeze-*, guest-fstrim (and later
 * guest-get-fsinfo) walk, built exactly as qemu-ga's `build_fs_mount_list()` does (spec §2.9):
 *
 * - `/proc/self/mountinfo`, line by line, read with qemu-ga's two `sscanf` formats
 *   (`"%*u %*u %u:%u %*s %n%*s%n%c"`, then `" - %n%*s%n %n%*s%n%c"` from the first `" - "` after
 *   the mount point); mount point and source decoded by `decode_mntname()` (`\\` and `\NNN`
 *   octal with a first digit 0-3);
 * - major 0 is skipped, except `btrfs`, whose source is `stat`ed for the real device (skipped
 *   when that fails, is not a block device, or is a directory — a bind mount);
 * - a major:minor already in the list is skipped (bind mounts: the first occurrence wins);
 * - when mountinfo cannot be opened, `/proc/self/mounts` read like glibc's `getmntent()`: only
 *   sources starting with `/`, not `smbfs`/`cifs`, directories skipped, the source `stat`ed for
 *   major:minor (0:0 when that fails), duplicates skipped.
 * Everything here is pure: texts in, a `stat` function injected.
 *
 * @module
 */

/** What `stat()` says about a mount source. */
export type DeviceStat =
  | { readonly kind: "block"; readonly major: number; readonly minor: number }
  | { readonly kind: "directory" }
  | { readonly kind: "other" }
  | { readonly kind: "failed"; readonly errno: number; readonly text: string };

/** `stat()` of a path given as raw bytes. */
export type StatFn = (path: Uint8Array) => DeviceStat;

/** Receives qemu-ga's audit line for a failed `stat` (`failed to stat device file ...`). */
export type AuditFn = (message: string) => void;

/** One mounted filesystem of the list. */
export interface FsMount {
  /** The mount point as text (invalid UTF-8 replaced), used in replies and messages. */
  readonly dirname: string;
  /** The mount point's exact bytes, used to open it. */
  readonly path: Uint8Array;
  /** The filesystem type. */
  readonly devtype: string;
  /** Device major number. */
  readonly devmajor: number;
  /** Device minor number. */
  readonly devminor: number;
}

/** The error when neither mount table can be opened. */
export const MTAB_OPEN_ERROR = "failed to open mtab file: '/proc/self/mounts'";

const decoder = new TextDecoder();
const BACKSLASH = 0x5c;
const ULONG_MAX = (1n << 64n) - 1n;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
}

function isDigitIn(c: number | undefined, lo: number, hi: number): c is number {
  return c !== undefined && c >= lo && c <= hi;
}

/**
 * qemu-ga's `decode_mntname()`: `\\` → `\`, `\NNN` (first digit 0-3, then two 0-7) → that byte,
 * any other backslash kept as is.
 *
 * @param name The escaped bytes.
 * @returns The decoded bytes.
 */
export function decodeMountName(name: Uint8Array): Uint8Array {
  const out: number[] = [];
  const octal = (i: number) =>
    isDigitIn(name[i + 1], 0x30, 0x33) && isDigitIn(name[i + 2], 0x30, 0x37) &&
    isDigitIn(name[i + 3], 0x30, 0x37);
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c !== BACKSLASH) out.push(c);
    else if (name[i + 1] === BACKSLASH) (out.push(BACKSLASH), i++);
    else if (octal(i)) {
      (out.push(parseInt(String.fromCharCode(...name.subarray(i + 1, i + 4)), 8)), i += 3);
    } else out.push(c);
  }
  return Uint8Array.from(out);
}

/**
 * glibc's `getmntent()` name decoding: only `\040`, `\011`, `\012`, `\134` and `\\`.
 *
 * @param name The escaped bytes.
 * @returns The decoded bytes.
 */
export function decodeMntentName(name: Uint8Array): Uint8Array {
  const out: number[] = [];
  const text = (i: number, s: string) =>
    name[i + 1] === s.charCodeAt(0) && name[i + 2] === s.charCodeAt(1) &&
    name[i + 3] === s.charCodeAt(2);
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c !== BACKSLASH) out.push(c);
    else if (text(i, "040")) (out.push(0x20), i += 3);
    else if (text(i, "011")) (out.push(0x09), i += 3);
    else if (text(i, "012")) (out.push(0x0a), i += 3);
    else if (name[i + 1] === BACKSLASH) (out.push(BACKSLASH), i += 1);
    else if (text(i, "134")) (out.push(BACKSLASH), i += 3);
    else out.push(c);
  }
  return Uint8Array.from(out);
}

/** Splits text into lines as `getline()` does (a line keeps its `\n`), each cut at a NUL. */
function lines(text: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0, end = 0; start < text.length; start = end) {
    end = text.indexOf(0x0a, start) + 1 || text.length;
    const line = text.subarray(start, end);
    const nul = line.indexOf(0);
    out.push(nul < 0 ? line : line.subarray(0, nul));
  }
  return out;
}

/** A cursor implementing the few `sscanf` directives qemu-ga's formats use. */
class Scan {
  constructor(readonly s: Uint8Array, public pos = 0) {}
  /** A whitespace directive: skips any amount of white space. */
  ws(): void {
    while (isSpace(this.s[this.pos])) this.pos++;
  }
  /** `%u`: strtoul semantics, stored to a 32-bit unsigned int; undefined on no match. */
  uint(): number | undefined {
    this.ws();
    let i = this.pos;
    const negative = this.s[i] === 0x2d;
    if (negative || this.s[i] === 0x2b) i++;
    if (!isDigitIn(this.s[i], 0x30, 0x39)) return undefined;
    let v = 0n;
    while (isDigitIn(this.s[i], 0x30, 0x39)) v = v * 10n + BigInt(this.s[i++]! - 0x30);
    this.pos = i;
    v = v > ULONG_MAX ? ULONG_MAX : negative ? BigInt.asUintN(64, -v) : v;
    return Number(v & 0xffffffffn);
  }
  /** A literal byte. */
  lit(c: number): boolean {
    return this.s[this.pos] === c ? (this.pos++, true) : false;
  }
  /** `%*s` framed by `%n`s: skips white space, then a non-empty run of non-space bytes. */
  token(): [number, number] | undefined {
    this.ws();
    const start = this.pos;
    while (this.pos < this.s.length && !isSpace(this.s[this.pos])) this.pos++;
    return this.pos > start ? [start, this.pos] : undefined;
  }
  /** `%c`: true when one more byte exists. */
  char(): boolean {
    return this.pos++ < this.s.length;
  }
}

/** `strstr(line + from, " - ")`. */
function findDash(line: Uint8Array, from: number): number {
  for (let i = from; i + 2 < line.length; i++) {
    if (line[i] === 0x20 && line[i + 1] === 0x2d && line[i + 2] === 0x20) return i;
  }
  return -1;
}

/** qemu-ga's `dev_major_minor()`: 0 for a block device, -2 for a directory, else -1 (0:0). */
function devMajorMinor(
  stat: StatFn,
  path: Uint8Array,
  audit?: AuditFn,
): { code: 0 | -1 | -2; major: number; minor: number } {
  const st = stat(path);
  if (st.kind === "failed") {
    audit?.(`failed to stat device file '${decoder.decode(path)}': ${st.text}`);
  }
  if (st.kind === "block") return { code: 0, major: st.major, minor: st.minor };
  return { code: st.kind === "directory" ? -2 : -1, major: 0, minor: 0 };
}

/** Appends a mount unless its major:minor is already listed (qemu-ga's `dev_exists()`). */
function pushUnique(
  mounts: FsMount[],
  path: Uint8Array,
  devtype: string,
  devmajor: number,
  devminor: number,
): void {
  if (mounts.some((m) => m.devmajor === devmajor && m.devminor === devminor)) return;
  mounts.push({ dirname: decoder.decode(path), path, devtype, devmajor, devminor });
}

/**
 * Parses `/proc/self/mountinfo` into the mount list.
 *
 * @param text The file's bytes.
 * @param stat `stat()` for btrfs sources.
 * @param audit Receives qemu-ga's audit line when a `stat` fails.
 * @returns The mounts in file order, deduplicated by major:minor.
 */
export function parseMountinfo(text: Uint8Array, stat: StatFn, audit?: AuditFn): FsMount[] {
  const mounts: FsMount[] = [];
  for (const line of lines(text)) {
    const a = new Scan(line);
    if (a.uint() === undefined || a.uint() === undefined) continue;
    let devmajor = a.uint();
    if (devmajor === undefined || !a.lit(0x3a)) continue;
    let devminor = a.uint();
    if (devminor === undefined) continue;
    a.ws();
    if (!a.token()) continue;
    a.ws();
    const dir = a.token();
    if (!dir || !a.char()) continue;
    const dash = findDash(line, dir[1]);
    if (dash === -1) continue;
    const b = new Scan(line, dash);
    b.ws();
    if (!b.lit(0x2d)) continue;
    b.ws();
    const type = b.token();
    b.ws();
    const dev = type && b.token();
    if (!type || !dev || !b.char()) continue;
    const path = decodeMountName(line.subarray(dir[0], dir[1]));
    const source = decodeMountName(line.subarray(dev[0], dev[1]));
    const devtype = decoder.decode(line.subarray(type[0], type[1]));
    if (devmajor === 0) {
      if (devtype !== "btrfs") continue;
      const r = devMajorMinor(stat, source, audit);
      if (r.code < 0) continue;
      ({ major: devmajor, minor: devminor } = r);
    }
    pushUnique(mounts, path, devtype, devmajor, devminor);
  }
  return mounts;
}

/** Splits off the next field as glibc's `getmntent()` does (`strsep` on space/tab). */
function nextField(line: Uint8Array, pos: number): [Uint8Array, number] {
  while (line[pos] === 0x20 || line[pos] === 0x09) pos++;
  let end = pos;
  while (end < line.length && line[end] !== 0x20 && line[end] !== 0x09) end++;
  return [line.subarray(pos, end), end < line.length ? end + 1 : end];
}

/**
 * Parses `/proc/self/mounts` (the fallback when mountinfo cannot be opened).
 *
 * @param text The file's bytes.
 * @param stat `stat()` for the sources.
 * @param audit Receives qemu-ga's audit line when a `stat` fails.
 * @returns The mounts in file order, deduplicated by major:minor.
 */
export function parseProcMounts(text: Uint8Array, stat: StatFn, audit?: AuditFn): FsMount[] {
  const mounts: FsMount[] = [];
  for (let line of lines(text)) {
    // Chop the newline and trailing blanks; skip blank lines and comments.
    if (line[line.length - 1] === 0x0a) {
      let end = line.length - 1;
      while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
      line = line.subarray(0, end);
    }
    let head = 0;
    while (line[head] === 0x20 || line[head] === 0x09) head++;
    if (head >= line.length || line[head] === 0x23) continue;
    const [fsnameRaw, p1] = nextField(line, head);
    const [dirRaw, p2] = nextField(line, p1);
    const [typeRaw] = nextField(line, p2);
    const fsname = decodeMntentName(fsnameRaw);
    const devtype = decoder.decode(decodeMntentName(typeRaw));
    if (fsname[0] !== 0x2f || devtype === "smbfs" || devtype === "cifs") continue;
    const r = devMajorMinor(stat, fsname, audit);
    if (r.code === -2) continue;
    pushUnique(mounts, decodeMntentName(dirRaw), devtype, r.major, r.minor);
  }
  return mounts;
}

/**
 * `build_fs_mount_list()`: mountinfo when it could be read, else `/proc/self/mounts`.
 *
 * @param mountinfo The bytes of `/proc/self/mountinfo`, or `null` when it cannot be opened.
 * @param readMounts Reads `/proc/self/mounts`; `null` when it cannot be opened.
 * @param stat `stat()` for mount sources.
 * @param audit Receives audit lines for failed `stat`s.
 * @returns The mount list, or `null` when neither file can be opened ({@link MTAB_OPEN_ERROR}).
 */
export function buildMountList(
  mountinfo: Uint8Array | null,
  readMounts: () => Uint8Array | null,
  stat: StatFn,
  audit?: AuditFn,
): FsMount[] | null {
  if (mountinfo !== null) return parseMountinfo(mountinfo, stat, audit);
  const mounts = readMounts();
  return mounts === null ? null : parseProcMounts(mounts, stat, audit);
}
