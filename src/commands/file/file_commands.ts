/**
 * `guest-file-open`, `-close`, `-read`, `-write`, `-seek` and `-flush`: qemu-ga's file-handle
 * commands, with its checks in its order and its exact error texts.
 *
 * Deliberate differences from qemu-ga:
 *
 * - New files are created with mode 0644 minus the umask (qemu-ga forces 0666), so files written
 *   by the host are never group/world-writable.
 * - At most {@link FileHandleTable.limit} handles are open at a time (default 1024).
 * - Paths outside the agent's `--allow-read`/`--allow-write` lists fail to open with
 *   `failed to open file '<path>' (mode: '<mode>'): access denied by the agent's permissions (...)`.
 * - Writes are unbuffered, so `guest-file-flush` has nothing left to do.
 *
 * @module
 */

import { COMMIT_STATE_ERROR } from "../../agent/agent_state.ts";
import { QgaError } from "../../dispatch/errors.ts";
import { PlainText } from "../../qobject/value.ts";
import type { CommandName } from "../../schema/schema.ts";
import type { ArgsOf, ReturnOf } from "../../schema/types.ts";
import type { CommandContext } from "../context.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { strerror } from "./errno.ts";
import { type FileIo, openFileIo, type Whence } from "./file_io.ts";
import { FileHandle, FileHandleTable } from "./handles.ts";
import { DEFAULT_OPEN_MODE, parseOpenMode } from "./open_mode.ts";

/** `guest-file-read` count when the client gives none. */
export const DEFAULT_READ_COUNT = 4096n;
/** Largest accepted `guest-file-read` count (48 MiB). */
export const MAX_READ_COUNT = 50331648n;

/** A handler that always answers asynchronously (assignable to `Handler<N>`). */
export type AsyncHandler<N extends CommandName> = (
  args: ArgsOf<N>,
  context: CommandContext,
) => Promise<ReturnOf<N>>;

/** The six file handlers, keyed by wire name (spread into the agent's handler table). */
export interface FileHandlers {
  readonly "guest-file-open": AsyncHandler<"guest-file-open">;
  readonly "guest-file-close": AsyncHandler<"guest-file-close">;
  readonly "guest-file-read": AsyncHandler<"guest-file-read">;
  readonly "guest-file-write": AsyncHandler<"guest-file-write">;
  readonly "guest-file-seek": AsyncHandler<"guest-file-seek">;
  readonly "guest-file-flush": AsyncHandler<"guest-file-flush">;
}

/** Where the handlers find the handle table: a fixed table, or one looked up per context. */
export type FileTableSource = FileHandleTable | ((ctx: CommandContext) => FileHandleTable);

/** The handle table of a context (`ctx.files`). */
export function contextFileTable(ctx: CommandContext): FileHandleTable {
  return ctx.files;
}

function invalidCount(count: bigint): QgaError {
  return new QgaError(`value '${count}' is invalid for argument count`);
}

/** Maps the `GuestFileWhence` alternate (int or `set|cur|end`) to an lseek origin. */
export function parseWhence(whence: bigint | string): Whence {
  switch (whence) {
    case 0n:
    case "set":
      return 0;
    case 1n:
    case "cur":
      return 1;
    case 2n:
    case "end":
      return 2;
  }
  throw new QgaError(`invalid whence code ${whence}`);
}

/** Creates the six file handlers over a handle table (or a per-context table lookup). */
export function fileHandlers(source: FileTableSource): FileHandlers {
  const tableOf = typeof source === "function" ? source : () => source;

  const open: AsyncHandler<"guest-file-open"> = async (args, ctx) => {
    const table = tableOf(ctx);
    const path = args.path;
    const modeName = args.mode ?? DEFAULT_OPEN_MODE;
    ctx.log.audit(`guest-file-open called, filepath: ${path}, mode: ${modeName}`);
    const mode = parseOpenMode(modeName);
    const failed = (detail: string) =>
      new QgaError(`failed to open file '${path}' (mode: '${modeName}'): ${detail}`);
    const tooMany = () => failed(`too many open files (limit ${table.limit})`);
    if (!table.hasRoom) throw tooMany();
    let io: FileIo;
    try {
      io = await openFileIo(path, mode);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw failed(`access denied by the agent's permissions (${error.message})`);
      }
      throw failed(strerror(error));
    }
    let id: bigint;
    try {
      id = ctx.state.takeHandle();
      table.add(new FileHandle(id, path, modeName, io));
    } catch (error) {
      io.close();
      throw error instanceof RangeError ? tooMany() : new QgaError(COMMIT_STATE_ERROR);
    }
    ctx.log.audit(`guest-file-open, handle: ${id}`);
    return id;
  };

  const close: AsyncHandler<"guest-file-close"> = async (args, ctx) => {
    ctx.log.audit(`guest-file-close called, handle: ${args.handle}`);
    const table = tableOf(ctx);
    const handle = table.get(args.handle);
    await handle.run((io) => {
      table.get(args.handle); // a close queued behind another one finds nothing to close
      try {
        io.close();
      } catch (error) {
        throw new QgaError(`failed to close handle: ${strerror(error)}`);
      }
      table.delete(args.handle);
    });
  };

  const read: AsyncHandler<"guest-file-read"> = async (args, ctx) => {
    const handle = tableOf(ctx).get(args.handle);
    const count = args.count ?? DEFAULT_READ_COUNT;
    if (count < 0n || count > MAX_READ_COUNT) throw invalidCount(count);
    if (count === 0n) return { count: 0n, "buf-b64": new PlainText(""), eof: false };
    const buf = new Uint8Array(Number(count));
    let result: { count: number; eof: boolean };
    try {
      result = await handle.run((io) => io.readFully(buf));
    } catch (error) {
      ctx.log.audit(`guest-file-write failed, handle: ${args.handle}`); // sic, as qemu-ga
      throw new QgaError(`failed to read file: ${strerror(error)}`);
    }
    return {
      count: BigInt(result.count),
      "buf-b64": new PlainText(encodeBase64(buf.subarray(0, result.count))),
      eof: result.eof,
    };
  };

  const write: AsyncHandler<"guest-file-write"> = async (args, ctx) => {
    const handle = tableOf(ctx).get(args.handle);
    const data = decodeBase64(args["buf-b64"]);
    const count = args.count ?? BigInt(data.length);
    if (count < 0n || count > BigInt(data.length)) throw invalidCount(count);
    if (count > 0n) {
      try {
        await handle.run((io) => io.writeFully(data.subarray(0, Number(count))));
      } catch (error) {
        ctx.log.audit(`guest-file-write failed, handle: ${args.handle}`);
        throw new QgaError(`failed to write to file: ${strerror(error)}`);
      }
    }
    return { count, eof: false };
  };

  const seek: AsyncHandler<"guest-file-seek"> = async (args, ctx) => {
    const handle = tableOf(ctx).get(args.handle);
    const whence = parseWhence(args.whence);
    try {
      const position = await handle.run((io) => io.seek(args.offset, whence));
      return { position, eof: false };
    } catch (error) {
      throw new QgaError(`failed to seek file: ${strerror(error)}`);
    }
  };

  const flush: AsyncHandler<"guest-file-flush"> = async (args, ctx) => {
    const handle = tableOf(ctx).get(args.handle);
    // Writes are unbuffered: waiting for earlier operations on the handle is all that is left.
    await handle.run(() => {});
  };

  return {
    "guest-file-open": open,
    "guest-file-close": close,
    "guest-file-read": read,
    "guest-file-write": write,
    "guest-file-seek": seek,
    "guest-file-flush": flush,
  };
}
