/**
 * Shared set-up of the guest-ssh-* tests: a temporary home for a fake user, the handlers called
 * through a test context over `FakeSys`, and small file helpers. Nothing outside the temporary
 * directories is ever touched.
 *
 * @module
 */

import {
  guestSshAddAuthorizedKeys,
  guestSshGetAuthorizedKeys,
  guestSshRemoveAuthorizedKeys,
} from "../../../src/commands/accounts/ssh_keys.ts";
import type { CommandContext } from "../../../src/commands/context.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

/** The fake user's name. */
export const USER = "alice";

/** One test's world: a temporary directory with the user's home in it. */
export interface SshWorld {
  /** The temporary directory (the home is `<dir>/home`, other files may sit next to it). */
  readonly dir: string;
  /** The user's home. */
  readonly home: string;
  /** `<home>/.ssh/authorized_keys`. */
  readonly keysFile: string;
  /** The fake system (its `users.calls` records every call). */
  readonly sys: FakeSys;
  /** A context over it. */
  readonly ctx: CommandContext;
  /** Calls guest-ssh-get-authorized-keys. */
  get(username?: string): { keys: string[] };
  /** Calls guest-ssh-add-authorized-keys. */
  add(keys: string[], reset?: boolean, username?: string): void;
  /** Calls guest-ssh-remove-authorized-keys. */
  remove(keys: string[], username?: string): void;
  /** Writes `<home>/.ssh/authorized_keys` (creating `.ssh` 0700). */
  setKeys(contents: string | Uint8Array): void;
  /** Reads `<home>/.ssh/authorized_keys` as text. */
  keys(): string;
  /** Removes the temporary directory. */
  [Symbol.dispose](): void;
}

/** Creates a world; `uid`/`gid` default to the test process's own. */
export function sshWorld(user: { uid?: number; gid?: number } = {}): SshWorld {
  const dir = Deno.makeTempDirSync({ prefix: "qga-ssh-" });
  const home = `${dir}/home`;
  Deno.mkdirSync(home);
  const sys = new FakeSys();
  sys.users.addUser(USER, { home, ...user });
  const ctx = testContext({ sys });
  const keysFile = `${home}/.ssh/authorized_keys`;
  return {
    dir,
    home,
    keysFile,
    sys,
    ctx,
    get: (username = USER) => guestSshGetAuthorizedKeys({ username }, ctx) as { keys: string[] },
    add: (keys, reset, username = USER) =>
      void guestSshAddAuthorizedKeys(
        reset === undefined ? { username, keys } : { username, keys, reset },
        ctx,
      ),
    remove: (keys, username = USER) => void guestSshRemoveAuthorizedKeys({ username, keys }, ctx),
    setKeys(contents) {
      Deno.mkdirSync(`${home}/.ssh`, { recursive: true, mode: 0o700 });
      if (typeof contents === "string") Deno.writeTextFileSync(keysFile, contents);
      else Deno.writeFileSync(keysFile, contents);
    },
    keys: () => Deno.readTextFileSync(keysFile),
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

/** The `desc` of the QgaError `fn` throws. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const desc = (e as { desc?: unknown }).desc;
    if (typeof desc === "string") return desc;
    throw e;
  }
  throw new Error("expected an error");
}

/** `mode & 0o777`, owner and group of a path (links not followed). */
export function ownership(path: string): string {
  const s = Deno.lstatSync(path);
  return `${(s.mode! & 0o777).toString(8)} ${s.uid}:${s.gid}`;
}
