/**
 * `cp HOST_PATH guest:PATH`, `cp guest:PATH HOST_PATH` and `cat guest:PATH`: files through the
 * agent's `guest-file-*` commands in 1 MiB chunks, with a progress bar on a terminal and a size
 * check at the end (the guest file's size, found by seeking to its end, against the bytes sent
 * or received and the host file's size).
 *
 * @module
 */

import { basename } from "node:path";
import { AgentError, ClientError, UsageError } from "../errors.ts";
import { GuestFile } from "../guest_file.ts";
import { Progress } from "../progress.ts";
import type { Session } from "../session.ts";
import {
  type ClientCommand,
  type CommandContext,
  DEFAULT_TIMEOUT_MS,
  operands,
  printJson,
} from "./context.ts";

/** Bytes per `guest-file-read` / `guest-file-write`. */
export const CHUNK = 1 << 20;

/** A `cp` operand: a guest path (`guest:PATH`) or a host path. */
export type Target = { readonly side: "guest" | "host"; readonly path: string };

/**
 * Reads a `cp` operand.
 *
 * @param word `guest:PATH` or a host path (`./guest:x` names a host file called `guest:x`).
 * @returns Which side and the path.
 * @throws UsageError for an empty path.
 */
export function parseTarget(word: string): Target {
  const guest = word.startsWith("guest:");
  const path = guest ? word.slice(6) : word;
  if (path === "") throw new UsageError(`'${word}' names no path`);
  return { side: guest ? "guest" : "host", path };
}

/** Runs `body` on an open guest file and closes it; after an agent error it is closed too. */
async function withGuestFile<T>(
  session: Session,
  path: string,
  mode: string,
  timeoutMs: number,
  body: (file: GuestFile) => Promise<T>,
): Promise<T> {
  const file = await GuestFile.open(session, path, mode, timeoutMs);
  let result: T;
  try {
    result = await body(file);
  } catch (error) {
    // After a timeout the stream is out of step: only an agent error leaves it usable.
    if (error instanceof AgentError) await file.closeQuietly();
    throw error;
  }
  await file.close();
  return result;
}

/** Host file → guest file. */
async function upload(ctx: CommandContext, from: string, to: string): Promise<number> {
  const host = await Deno.open(from, { read: true }).catch((e: Error) => {
    throw new ClientError(`Cannot open ${from}: ${e.message}`);
  });
  try {
    const info = await host.stat();
    if (!info.isFile) throw new ClientError(`${from} is not a regular file`);
    const session = await ctx.session();
    const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
    const target = to.endsWith("/") ? to + basename(from) : to;
    const progress = new Progress(ctx.io.stderr, info.size, ctx.io.columns());
    const open = (path: string) =>
      withGuestFile(session, path, "w", timeoutMs, async (file) => {
        const buf = new Uint8Array(CHUNK);
        while (true) {
          const n = await host.read(buf);
          if (n === null) break;
          await file.write(buf.subarray(0, n));
          await progress.advance(n);
        }
        return [file.path, await file.size()] as const;
      });
    const [path, size] = await open(target).catch((error) => {
      // A guest directory: copy into it, as cp does.
      if (error instanceof AgentError && /Is a directory/.test(error.desc) && target === to) {
        return open(`${to}/${basename(from)}`);
      }
      throw error;
    }).catch(async (error) => {
      await progress.abandon();
      throw error;
    });
    if (progress.done !== info.size || size !== info.size) {
      throw new ClientError(
        `Size check failed: ${from} has ${info.size} bytes, sent ${progress.done}, ` +
          `guest:${path} has ${size ?? "an unknown number of"} bytes`,
      );
    }
    await progress.finish(`${from} -> guest:${path}`);
    if (ctx.json) await printJson(ctx, { from, to: `guest:${path}`, bytes: progress.done });
    return 0;
  } finally {
    host.close();
  }
}

/** The host path to write `guestPath` to: into `to` if it is a directory. */
async function hostTarget(to: string, guestPath: string): Promise<string> {
  const info = await Deno.stat(to).catch(() => undefined);
  return info?.isDirectory ? `${to.replace(/\/+$/, "")}/${basename(guestPath)}` : to;
}

/** Guest file → host file. */
async function download(ctx: CommandContext, from: string, to: string): Promise<number> {
  const session = await ctx.session();
  const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
  const target = await hostTarget(to, from);
  let progress: Progress | undefined;
  const [size, received] = await withGuestFile(session, from, "r", timeoutMs, async (file) => {
    const size = await file.size();
    const host = await Deno.open(target, { write: true, create: true, truncate: true }).catch(
      (e: Error) => {
        throw new ClientError(`Cannot write ${target}: ${e.message}`);
      },
    );
    progress = new Progress(ctx.io.stderr, size ?? 0, ctx.io.columns());
    try {
      while (true) {
        const { data, eof } = await file.read(CHUNK);
        let at = 0;
        while (at < data.length) at += await host.write(data.subarray(at));
        await progress.advance(data.length);
        if (eof || data.length === 0) break;
      }
    } finally {
      host.close();
    }
    return [size, progress.done] as const;
  }).catch(async (error) => {
    await progress?.abandon();
    throw error;
  });
  const written = (await Deno.stat(target)).size;
  if ((size !== undefined && received !== size) || written !== received) {
    throw new ClientError(
      `Size check failed: guest:${from} has ${size ?? "an unknown number of"} bytes, ` +
        `received ${received}, ${target} has ${written}`,
    );
  }
  await progress?.finish(`guest:${from} -> ${target}`);
  if (ctx.json) await printJson(ctx, { from: `guest:${from}`, to: target, bytes: received });
  return 0;
}

/** `cp`. */
export const cp: ClientCommand = {
  name: "cp",
  usage: "HOST_PATH guest:PATH | guest:PATH HOST_PATH",
  summary: "copy a file into or out of the guest (size-checked)",
  run(ctx) {
    const [a, b] = operands(ctx, 2).map(parseTarget);
    if (a!.side === b!.side) {
      throw new UsageError("cp copies between host and guest: exactly one path is guest:PATH");
    }
    return a!.side === "host" ? upload(ctx, a!.path, b!.path) : download(ctx, a!.path, b!.path);
  },
};

/** `cat guest:PATH`. */
export const cat: ClientCommand = {
  name: "cat",
  usage: "guest:PATH",
  summary: "print a guest file",
  async run(ctx) {
    const [word] = operands(ctx, 1);
    const target = parseTarget(word!);
    if (target.side !== "guest") throw new UsageError(`cat reads guest files: guest:${word}`);
    const session = await ctx.session();
    await withGuestFile(
      session,
      target.path,
      "r",
      ctx.timeout(DEFAULT_TIMEOUT_MS),
      async (file) => {
        while (true) {
          const { data, eof } = await file.read(CHUNK);
          if (data.length > 0) await ctx.io.stdout.write(data);
          if (eof || data.length === 0) break;
        }
      },
    );
    return 0;
  },
};
