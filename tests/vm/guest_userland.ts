/**
 * The parts of the VM guest that make it look like a real distribution to the newer commands:
 * an os-release file (the host's Debian one), a user with a home and login records in utmp, a
 * non-UTC local time zone (`/etc/localtime` a symlink, plus `/etc/timezone`), a `chpasswd`
 * stand-in (`guest/chpasswd.sh`), and the files qemu-ga and qga-deno read for them.
 *
 * @module
 */

import type { Arch } from "../../src/sys/structs.ts";

/** The unprivileged user of the guest. */
export const GUEST_USER = { name: "alice", uid: 1000, gid: 1000, home: "/home/alice" } as const;

/** The guest's local time zone (CET in December: offset 3600). */
export const GUEST_ZONE = "Europe/Berlin";

/** The login records written to the guest's `/run/utmp`: user, line, seconds, microseconds. */
export const GUEST_LOGINS: readonly (readonly [string, string, number, number])[] = [
  ["alice", "pts/1", 1_764_000_100, 250_000],
  ["root", "tty1", 1_764_000_050, 0],
  ["alice", "pts/0", 1_764_000_000, 500_000],
];

const LOGIN_PROCESS = 6;
const DEAD_PROCESS = 8;

/**
 * glibc's `struct utmp` for `arch` as the C compiler recorded it (`tests/fixtures/abi/`, checked
 * against the compilers by `tests/sys/structs_test.ts`) — deliberately not `src/sys/structs.ts`,
 * so that a wrong layout there makes the agent misread the guest's utmp instead of agreeing
 * with a file written the same wrong way.
 */
function recordedUtmp(arch: Arch) {
  const c = JSON.parse(
    Deno.readTextFileSync(new URL(`../fixtures/abi/${arch}.json`, import.meta.url)),
  ) as Record<string, number>;
  return {
    size: c["sizeof(utmp)"]!,
    type: c["ut_type"]!,
    user: c["ut_user"]!,
    userSize: c["sizeof(ut_user)"]!,
    tv: c["ut_tv"]!,
    tvField: c["sizeof(ut_tv.tv_sec)"]!,
    userProcess: c["USER_PROCESS"]!,
  };
}

/**
 * A utmp file in glibc's layout for `arch`: the {@link GUEST_LOGINS} as `USER_PROCESS` records,
 * plus a `LOGIN_PROCESS` (a getty) and a `DEAD_PROCESS` (a logged-out session) that must be
 * ignored.
 */
export function utmpFile(arch: Arch): Uint8Array {
  const abi = recordedUtmp(arch);
  const USER_PROCESS = abi.userProcess;
  const records: [number, string, string, number, number][] = [
    [LOGIN_PROCESS, "LOGIN", "tty2", 1_764_000_010, 0],
    ...GUEST_LOGINS.map(([user, line, s, us]) => [USER_PROCESS, user, line, s, us] as const)
      .map((r) => [...r] as [number, string, string, number, number]),
    [DEAD_PROCESS, "bob", "pts/5", 1_763_000_000, 0],
  ];
  const out = new Uint8Array(abi.size * records.length);
  const view = new DataView(out.buffer);
  const encoder = new TextEncoder();
  records.forEach(([type, user, line, seconds, micros], i) => {
    const at = i * abi.size;
    view.setInt16(at + abi.type, type, true);
    view.setInt32(at + 4, 100 + i, true); // ut_pid
    out.set(encoder.encode(line).subarray(0, 32), at + 8); // ut_line
    out.set(encoder.encode(user).subarray(0, abi.userSize), at + abi.user);
    const tv = at + abi.tv;
    if (abi.tvField === 4) {
      view.setInt32(tv, seconds, true);
      view.setInt32(tv + 4, micros, true);
    } else {
      view.setBigInt64(tv, BigInt(seconds), true);
      view.setBigInt64(tv + 8, BigInt(micros), true);
    }
  });
  return out;
}

/** The account files: passwd, group, shadow (root locked, alice with a known hash). */
export function accountFiles(): { passwd: string; group: string; shadow: string } {
  const u = GUEST_USER;
  return {
    passwd:
      `root:x:0:0:root:/root:/bin/sh\n${u.name}:x:${u.uid}:${u.gid}:Alice:${u.home}:/bin/sh\n`,
    group: `root:x:0:\n${u.name}:x:${u.gid}:\n`,
    shadow: `root:*:20000:0:99999:7:::\n${u.name}:!:20000:0:99999:7:::\n`,
  };
}
