/**
 * guest-set-user-password against the fake `Sys` only (it must never run on a host): qemu-ga
 * 7.2's order of checks, the PATH lookup of `chpasswd`, the exact command line and stdin, and
 * each failure text.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chpasswdInput } from "../../../src/commands/accounts/password.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import type { RunOutcome } from "../../../src/sys/processes.ts";
import { exited, signaled, spawnFailed } from "../../helpers/fake_sys/fake_sys.ts";
import { execSession } from "../exec/helpers.ts";

const enc = new TextEncoder();
const CHPASSWD = "/usr/sbin/chpasswd";

function request(username: string, password: string, crypted: boolean): string {
  return JSON.stringify({
    execute: "guest-set-user-password",
    arguments: { username, password, crypted },
  });
}

function error(desc: string): string {
  return `{"error": {"class": "GenericError", "desc": "${desc}"}}`;
}

Deno.test("guest-set-user-password runs chpasswd from PATH with user:password\\n on stdin, output discarded", async () => {
  const s = execSession({ executables: [CHPASSWD] });
  assert.equal(await s.ask(request("alice", btoa("s3cret pass"), false)), '{"return": {}}');
  assert.equal(await s.ask(request("bob", btoa("$6$salt$hash"), true)), '{"return": {}}');
  assert.deepEqual(s.sys.processes.programLookups, ["chpasswd", "chpasswd"]);
  assert.deepEqual(s.sys.processes.runs, [
    { argv: [CHPASSWD], output: "discard", input: enc.encode("alice:s3cret pass\n") },
    { argv: [CHPASSWD, "-e"], output: "discard", input: enc.encode("bob:$6$salt$hash\n") },
  ]);
  assert.deepEqual(s.log.lines, []);
});

Deno.test("guest-set-user-password passes the decoded password bytes as they are", () => {
  const raw = new Uint8Array([0xc3, 0xa9, 0xff, 0x20, 0x3a]);
  assert.deepEqual(
    chpasswdInput("j\u00e9", raw.toBase64()),
    new Uint8Array([0x6a, 0xc3, 0xa9, 0x3a, 0xc3, 0xa9, 0xff, 0x20, 0x3a, 0x0a]),
  );
});

Deno.test("guest-set-user-password checks in 7.2's order: base64, password, username, then PATH", async () => {
  const cases: [string, string, string][] = [
    ["bad:user", "!!", "Base64 data contains invalid characters"],
    ["bad:user", btoa("a\nb"), "forbidden characters in raw password"],
    ["bad:user", btoa("ok"), "forbidden characters in username"],
    ["bad\nuser", btoa("ok"), "forbidden characters in username"],
    ["alice", btoa("ok"), "cannot find 'passwd' program in PATH"],
  ];
  for (const [user, password, desc] of cases) {
    const s = execSession();
    const reply = await s.ask(request(user, password, false));
    assert.equal(reply, error(desc.replace("\n", "\\n")), `${user} ${password}`);
    assert.deepEqual(s.sys.processes.runs, []);
  }
});

Deno.test("guest-set-user-password cuts the password at a NUL byte; a \\u0000 in the username is C0 80", async () => {
  const s = execSession({ executables: [CHPASSWD] });
  // The '\n' after the NUL is never seen by 7.2's strchr, nor sent to chpasswd.
  const password = new Uint8Array([0x70, 0x00, 0x0a, 0x71]).toBase64();
  assert.equal(await s.ask(request("al\u0000x", password, false)), '{"return": {}}');
  assert.deepEqual(
    s.sys.processes.runs[0]?.input,
    new Uint8Array([0x61, 0x6c, 0xc0, 0x80, 0x78, 0x3a, 0x70, 0x0a]),
  );
  assert.equal(
    await s.ask(request("al\u0000:x", btoa("p"), false)),
    error("forbidden characters in username"),
  );
});

Deno.test("guest-set-user-password failure texts are 7.2's fixed ones", async () => {
  const cases: [RunOutcome, string][] = [
    [
      exited(1, "chpasswd: line 1: user 'x' does not exist\n"),
      "child process has failed to set user password",
    ],
    [exited(3), "child process has failed to set user password"],
    [signaled("SIGKILL"), "child process has terminated abnormally"],
    [
      spawnFailed("permission", "Permission denied"),
      "child process has failed to set user password",
    ],
    [
      spawnFailed("not-capable", "Requires run access"),
      `failed to create child process: '${CHPASSWD}' is not permitted by the agent's --allow-run list`,
    ],
    [
      { kind: "exited", code: 0, output: new Uint8Array(), inputError: "Broken pipe" },
      "cannot write new account password: Broken pipe",
    ],
    [
      { kind: "exited", code: 1, output: new Uint8Array(), inputError: "Broken pipe" },
      "cannot write new account password: Broken pipe",
    ],
  ];
  for (const [outcome, desc] of cases) {
    const s = execSession({ executables: [CHPASSWD], script: () => outcome });
    assert.equal(await s.ask(request("alice", btoa("pw"), false)), error(desc), desc);
  }
});

Deno.test("chpasswdInput() throws QgaError for forbidden characters", () => {
  assert.throws(() => chpasswdInput("a:b", btoa("x")), QgaError);
  assert.throws(() => chpasswdInput("ab", btoa("x\n")), QgaError);
});
