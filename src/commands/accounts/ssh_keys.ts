/**
 * `guest-ssh-get-authorized-keys`, `guest-ssh-add-authorized-keys` and
 * `guest-ssh-remove-authorized-keys`: a user's `~/.ssh/authorized_keys`, with qemu-ga 7.2's
 * steps, order and texts (`qga/commands-posix-ssh.c`): keys are checked before the user is looked
 * up; add reads the existing file unless `reset` (a failed read counts as no keys), creates
 * `~/.ssh` when needed, and rewrites the file; remove succeeds without a file. The content rules
 * are in `./authorized_keys.ts`, the file steps (and what qga-deno refuses: symbolic links,
 * foreign owners) in `./ssh_files.ts`.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import { OsError } from "../../sys/os_error.ts";
import type { PasswdEntry } from "../../sys/users.ts";
import type { CommandContext, Handler } from "../context.ts";
import {
  firstInvalidKey,
  listedKeys,
  replyText,
  splitLines,
  wireStringBytes,
  withKeysAdded,
  withKeysRemoved,
} from "./authorized_keys.ts";
import { HomeSsh } from "./ssh_files.ts";
import { SshFileError, type SshPaths, sshPaths, SshStepError } from "./ssh_paths.ts";

/** qemu-ga's `check_openssh_pub_keys()`: the first bad key is echoed. */
function checkKeys(keys: readonly string[]): void {
  const bad = firstInvalidKey(keys);
  if (bad !== undefined) throw QgaError.joined(["invalid OpenSSH public key: '", bad, "'"]);
}

/** A looked-up user: its passwd entry and the paths qemu-ga prints. */
interface SshUser {
  readonly entry: PasswdEntry;
  readonly paths: SshPaths;
}

/** qemu-ga's `get_passwd_entry()`: `failed to lookup user '<name>': <GLib text>`. */
function lookupUser(ctx: CommandContext, username: string): SshUser {
  let entry: PasswdEntry;
  try {
    entry = ctx.sys.users.lookup(wireStringBytes(username));
  } catch (error) {
    if (!(error instanceof OsError)) throw error;
    // glibc sets errno to 0 for a name that does not exist; g_strerror(0) is "Success".
    const text = error.errno === 0 ? "Success" : error.message;
    throw QgaError.joined(["failed to lookup user '", username, `': ${text}`]);
  }
  return { entry, paths: sshPaths(replyText(entry.home)) };
}

/** Runs `work` on the user's home, closing every descriptor afterwards. */
function inHome<T>(
  ctx: CommandContext,
  username: string,
  user: SshUser,
  work: (home: HomeSsh) => T,
): T {
  const home = new HomeSsh(ctx.sys.users, user.entry, username, user.paths);
  try {
    return work(home);
  } finally {
    home.close();
  }
}

/** The QgaError for a failed file step: `<prefix> '<path>': <detail>`, or a step's own text. */
function fileError(error: unknown, prefix: string, path: string): QgaError {
  if (error instanceof SshStepError) return new QgaError(error.message);
  if (error instanceof SshFileError) return new QgaError(`${prefix} '${path}': ${error.detail}`);
  throw error;
}

/** Writes the new file, with qemu-ga's `failed to write to '<path>': …` texts. */
function writeKeysFile(home: HomeSsh, user: SshUser, sshFd: number, contents: Uint8Array): void {
  try {
    home.writeKeys(sshFd, contents);
  } catch (error) {
    throw fileError(error, "failed to write to", user.paths.keysFile);
  }
}

/** `guest-ssh-get-authorized-keys`. */
export const guestSshGetAuthorizedKeys: Handler<"guest-ssh-get-authorized-keys"> = (args, ctx) => {
  const user = lookupUser(ctx, args.username);
  const path = user.paths.keysFile;
  const contents = inHome(ctx, args.username, user, (home) => {
    try {
      let sshFd: number;
      try {
        sshFd = home.openSshDir(home.openHome());
      } catch (error) {
        if (!(error instanceof OsError)) throw error;
        // qemu-ga opens the whole path: the same errno, in GLib's words.
        throw new SshFileError(`Failed to open file \u201C${path}\u201D: ${error.message}`);
      }
      return home.readKeys(sshFd);
    } catch (error) {
      throw fileError(error, "failed to read", path);
    }
  });
  return { keys: listedKeys(contents) };
};

/** `guest-ssh-add-authorized-keys`. */
export const guestSshAddAuthorizedKeys: Handler<"guest-ssh-add-authorized-keys"> = (args, ctx) => {
  checkKeys(args.keys);
  const user = lookupUser(ctx, args.username);
  inHome(ctx, args.username, user, (home) => {
    let homeFd: number;
    try {
      homeFd = home.openHome();
    } catch (error) {
      // qemu-ga's read fails, then its mkdir of <home>/.ssh fails with the same errno.
      if (!(error instanceof OsError)) throw error;
      throw new QgaError(`failed to create directory '${user.paths.sshDir}': ${error.message}`);
    }
    let sshFd: number | undefined;
    let lines: Uint8Array[] | null = null;
    try {
      sshFd = home.openSshDir(homeFd);
      if (!args.reset) lines = splitLines(home.readKeys(sshFd));
    } catch (error) {
      // qemu-ga ignores a failed read (no keys yet); what qga-deno refuses is reported.
      if (error instanceof SshFileError && error.refused) {
        throw fileError(error, "failed to write to", user.paths.keysFile);
      }
      if (!(error instanceof OsError || error instanceof SshFileError)) throw error;
    }
    if (sshFd === undefined) {
      try {
        sshFd = home.createSshDir(homeFd);
      } catch (error) {
        throw fileError(error, "failed to write to", user.paths.keysFile);
      }
    }
    writeKeysFile(home, user, sshFd, withKeysAdded(lines ?? [], args.keys));
  });
};

/** `guest-ssh-remove-authorized-keys`. */
export const guestSshRemoveAuthorizedKeys: Handler<"guest-ssh-remove-authorized-keys"> = (
  args,
  ctx,
) => {
  checkKeys(args.keys);
  const user = lookupUser(ctx, args.username);
  const path = user.paths.keysFile;
  inHome(ctx, args.username, user, (home) => {
    let sshFd: number;
    try {
      sshFd = home.openSshDir(home.openHome());
    } catch (error) {
      // qemu-ga: no such file (its access() fails) → nothing to remove.
      if (error instanceof OsError) return;
      throw fileError(error, "failed to read", path);
    }
    if (!home.keysFileExists(sshFd)) return;
    let contents: Uint8Array;
    try {
      contents = home.readKeys(sshFd);
    } catch (error) {
      throw fileError(error, "failed to read", path);
    }
    writeKeysFile(home, user, sshFd, withKeysRemoved(splitLines(contents), args.keys));
  });
};
