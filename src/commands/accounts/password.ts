/**
 * `guest-set-user-password`, step by step as qemu-ga 7.2 (`qmp_guest_set_user_password` in
 * `qga/commands-posix.c`, before upstream moved it onto the run-command helper) does it:
 *
 * 1. `password` is base64-decoded (`Base64 data contains invalid characters`); the result is a
 *    C string, so it ends at its first NUL byte. (`username` has no NUL byte: QEMU's parser
 *    stores a `\u0000` as C0 80, and so does this code);
 * 2. a `\n` in the password: `forbidden characters in raw password`;
 * 3. a `\n` or `:` in the username: `forbidden characters in username`;
 * 4. `chpasswd` is looked up in the agent's `PATH` (`g_find_program_in_path`): none found,
 *    `cannot find 'passwd' program in PATH` (sic);
 * 5. it runs as `chpasswd` (with `-e` when `crypted`), stdin a pipe fed `<username>:<password>\n`
 *    and then closed, stdout and stderr on `/dev/null`;
 * 6. a failed write: `cannot write new account password: <strerror>`; killed by a signal:
 *    `child process has terminated abnormally`; any exit status but 0 (an exec failure
 *    included — 7.2's child then exits 1): `child process has failed to set user password`.
 *
 * Nothing is logged (7.2 has no audit line for this command). Differences: the child does not
 * call `setsid()` and its `argv[0]` is the full path (see `src/sys/processes.ts`); a `chpasswd`
 * refused by the agent's `--allow-run` permission gives
 * `failed to create child process: '<path>' is not permitted by the agent's --allow-run list`
 * (7.2's text for a failed fork has the same prefix).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";
import { decodeBase64 } from "../file/base64.ts";
import { wireStringBytes } from "./authorized_keys.ts";
import { notPermittedText } from "../power/run_command.ts";

/** The program 7.2 runs. */
export const CHPASSWD = "chpasswd";

const NEWLINE = 0x0a;

/** The bytes of a C string: up to the first NUL. */
function cBytes(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/**
 * The line fed to `chpasswd` — `<username>:<password>\n` — after 7.2's checks (steps 1–3).
 *
 * @throws QgaError with 7.2's text.
 */
export function chpasswdInput(username: string, password: string): Uint8Array {
  const raw = cBytes(decodeBase64(password));
  if (raw.includes(NEWLINE)) throw new QgaError("forbidden characters in raw password");
  const user = wireStringBytes(username);
  if (user.includes(NEWLINE) || user.includes(0x3a)) {
    throw new QgaError("forbidden characters in username");
  }
  const line = new Uint8Array(user.length + 1 + raw.length + 1);
  line.set(user);
  line[user.length] = 0x3a;
  line.set(raw, user.length + 1);
  line[line.length - 1] = NEWLINE;
  return line;
}

/** `guest-set-user-password`. */
export const guestSetUserPassword: Handler<"guest-set-user-password"> = async (args, ctx) => {
  const input = chpasswdInput(args.username, args.password);
  const processes = ctx.sys.processes;
  const path = processes.findProgram(CHPASSWD);
  if (path === undefined) throw new QgaError("cannot find 'passwd' program in PATH");
  const argv = args.crypted ? [path, "-e"] : [path];
  const outcome = await processes.run(argv, { output: "discard", input });
  if (outcome.kind === "spawn-failed") {
    if (outcome.reason === "not-capable") {
      throw new QgaError(`failed to create child process: ${notPermittedText(path)}`);
    }
    throw new QgaError("child process has failed to set user password");
  }
  if (outcome.inputError !== undefined) {
    throw new QgaError(`cannot write new account password: ${outcome.inputError}`);
  }
  if (outcome.kind === "signaled") throw new QgaError("child process has terminated abnormally");
  if (outcome.code !== 0) throw new QgaError("child process has failed to set user password");
};
