/**
 * Fixtures for the guest-file scope tests: temporary trees with a root, a directory outside it
 * holding a secret, and a compact view of what one open attempt did.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseOpenMode } from "../../../src/commands/file/open_mode.ts";
import type { GuestFiles } from "../../../src/sys/files/files.ts";
import { GuestFileRefusal } from "../../../src/sys/files/refusal.ts";
import { OsError } from "../../../src/sys/os_error.ts";

/** The content of the file outside the root: an open that reads it has escaped. */
export const SECRET = "outside-secret\n";

/** A temporary tree: `<dir>/root/` (with `file`), `<dir>/outside/secret`. */
export interface Tree extends AsyncDisposable {
  /** The temporary directory (real path). */
  readonly dir: string;
  /** `<dir>/root`. */
  readonly root: string;
  /** `<dir>/outside`. */
  readonly outside: string;
}

/** Makes a {@link Tree}; `root/file` holds `inside\n`. */
export async function tree(prefix = "qga-roots-"): Promise<Tree> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix }));
  const root = `${dir}/root`;
  const outside = `${dir}/outside`;
  await Deno.mkdir(root);
  await Deno.mkdir(outside);
  await Deno.writeTextFile(`${root}/file`, "inside\n");
  await Deno.writeTextFile(`${outside}/secret`, SECRET);
  return {
    dir,
    root,
    outside,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** What an open attempt did: the file's first bytes, or the error's code and reason. */
export type Outcome =
  | { readonly ok: string }
  | { readonly code: string; readonly message: string; readonly reason?: string };

/**
 * Opens `path` in `mode` through `files`; on success reads up to 64 bytes (read modes) and
 * closes. Anything thrown that is not an `OsError` fails the test.
 */
export async function attempt(files: GuestFiles, path: string, mode = "r"): Promise<Outcome> {
  const access = parseOpenMode(mode);
  try {
    const io = await files.open(path, access);
    try {
      if (!access.read) return { ok: "" };
      const buf = new Uint8Array(64);
      const { count } = await io.readFully(buf);
      return { ok: new TextDecoder().decode(buf.subarray(0, count)) };
    } finally {
      io.close();
    }
  } catch (error) {
    if (error instanceof GuestFileRefusal) {
      return { code: error.code, message: error.message, reason: error.reason };
    }
    assert.ok(error instanceof OsError, `not an OsError: ${error}`);
    return { code: error.code, message: error.message };
  }
}

/** Asserts `outcome` is an agent refusal with `code` whose reason matches `reason`. */
export function assertRefused(outcome: Outcome, code: "EACCES" | "EROFS", reason: RegExp): void {
  assert.ok("code" in outcome, `expected a refusal, got ${JSON.stringify(outcome)}`);
  assert.equal(outcome.code, code, JSON.stringify(outcome));
  assert.equal(
    outcome.message,
    code === "EACCES" ? "Permission denied" : "Read-only file system",
  );
  assert.match(outcome.reason ?? "(no reason)", reason);
}

/** Runs a program; fails the test unless it exits 0. */
export async function run(program: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  assert.equal(
    out.code,
    0,
    `${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
  );
}

/** Every mode string that opens for writing (and so may create or truncate). */
export const WRITE_MODES = ["w", "wb", "a", "ab", "r+", "rb+", "w+", "wb+", "a+", "ab+", "a+b"];
