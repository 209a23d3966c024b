/**
 * `guest-file-open`, `-close`, `-read`, `-write`, `-seek` and `-flush`: qemu-ga's file-handle
 * commands, with its checks in its order and its exact error texts.
 *
 * Deliberate differences from qemu-ga:
 *
 * - New files are created with mode 0644 minus the umask (qemu-ga forces 0666), so files written
 *   by the host are never group/world-writable.
 * - At most `--max-file-handles` handles are open at a time (default 1024; `./handles.ts`).
 * - In the confined profiles, paths outside the file roots (and non-regular files, pseudo file
 *   systems, the agent's own files) fail to open with qemu-ga's text for a file the kernel
 *   refuses: `failed to open file '<path>' (mode: '<mode>'): Permission denied` (`Read-only
 *   file system` for a write mode on a read-only root); the reason is on the error
 *   (`GuestFileRefusal.reason`, `src/sys/files/refusal.ts`) and logged at warning level, never
 *   in the reply.
 * - Writes are unbuffered, so `guest-file-flush` has nothing left to do.
 *
 * @module
 */

import { Base64Data, PlainText } from "../../qobject/value.ts";
import { QgaError } from "../../schema/errors.ts";
import { type FileIo, GuestFileRefusal, type Whence } from "../../sys/files/files.ts";
import { errorText } from "../../sys/os_error.ts";
import type { AsyncHandler } from "../context.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { FileHandle } from "./handles.ts";
import { giveBackReadBuffer, takeReadBuffer } from "./read_buffer.ts";
import { DEFAULT_OPEN_MODE, parseOpenMode } from "./open_mode.ts";

/** `guest-file-read` count when the client gives none. */
export const DEFAULT_READ_COUNT = 4096n;
/** Reads of at least this many bytes are base64-encoded as their reply is written. */
const STREAMED_READ = 16 * 1024;
/** Largest accepted `guest-file-read` count (48 MiB). */
export const MAX_READ_COUNT = 50331648n;
/** Error text qemu-ga returns when the handle counter cannot be persisted. */
export const COMMIT_STATE_ERROR = "failed to commit persistent state to disk";

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

/** `guest-file-open`: opens a file and hands out a new handle id. */
export const guestFileOpen: AsyncHandler<"guest-file-open"> = async (args, ctx) => {
  const table = ctx.files;
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
    io = await ctx.sys.files.open(path, mode);
  } catch (error) {
    if (error instanceof GuestFileRefusal) {
      ctx.log.warning(`guest-file-open refused '${path}' (mode: '${modeName}'): ${error.reason}`);
    }
    throw failed(errorText(error));
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

/** `guest-file-close`: closes the file and forgets the handle. */
export const guestFileClose: AsyncHandler<"guest-file-close"> = async (args, ctx) => {
  ctx.log.audit(`guest-file-close called, handle: ${args.handle}`);
  const table = ctx.files;
  const handle = table.get(args.handle);
  await handle.run((io) => {
    table.get(args.handle); // a close queued behind another one finds nothing to close
    try {
      io.close();
    } catch (error) {
      throw new QgaError(`failed to close handle: ${errorText(error)}`);
    }
    table.delete(args.handle);
  });
};

/** `guest-file-read`: up to `count` bytes (default 4096, at most 48 MiB), base64-encoded. */
export const guestFileRead: AsyncHandler<"guest-file-read"> = async (args, ctx) => {
  const handle = ctx.files.get(args.handle);
  const count = args.count ?? DEFAULT_READ_COUNT;
  if (count < 0n || count > MAX_READ_COUNT) throw invalidCount(count);
  if (count === 0n) return { count: 0n, "buf-b64": new PlainText(""), eof: false };
  const buf = takeReadBuffer(Number(count));
  let result: { count: number; eof: boolean };
  try {
    result = await handle.run((io) => io.readFully(buf));
  } catch (error) {
    giveBackReadBuffer(buf);
    ctx.log.audit(`guest-file-write failed, handle: ${args.handle}`); // sic, as qemu-ga
    throw new QgaError(`failed to read file: ${errorText(error)}`);
  }
  const data = buf.subarray(0, result.count);
  let text: PlainText | Base64Data;
  if (result.count < STREAMED_READ) {
    text = new PlainText(encodeBase64(data));
    giveBackReadBuffer(buf);
  } else {
    // Encoded as the reply is written, a buffer at a time; the read buffer comes back then.
    text = new Base64Data(data, () => giveBackReadBuffer(buf));
  }
  return { count: BigInt(result.count), "buf-b64": text, eof: result.eof };
};

/** `guest-file-write`: writes the decoded bytes (the first `count` of them). */
export const guestFileWrite: AsyncHandler<"guest-file-write"> = async (args, ctx) => {
  const handle = ctx.files.get(args.handle);
  const data = decodeBase64(args["buf-b64"]);
  const count = args.count ?? BigInt(data.length);
  if (count < 0n || count > BigInt(data.length)) throw invalidCount(count);
  if (count > 0n) {
    try {
      await handle.run((io) => io.writeFully(data.subarray(0, Number(count))));
    } catch (error) {
      ctx.log.audit(`guest-file-write failed, handle: ${args.handle}`);
      throw new QgaError(`failed to write to file: ${errorText(error)}`);
    }
  }
  return { count, eof: false };
};

/** `guest-file-seek`: repositions like `fseek` and reports the exact new offset. */
export const guestFileSeek: AsyncHandler<"guest-file-seek"> = async (args, ctx) => {
  const handle = ctx.files.get(args.handle);
  const whence = parseWhence(args.whence);
  try {
    const position = await handle.run((io) => io.seek(args.offset, whence));
    return { position, eof: false };
  } catch (error) {
    throw new QgaError(`failed to seek file: ${errorText(error)}`);
  }
};

/** `guest-file-flush`: writes are unbuffered, so it only waits for the handle's earlier work. */
export const guestFileFlush: AsyncHandler<"guest-file-flush"> = async (args, ctx) => {
  const handle = ctx.files.get(args.handle);
  await handle.run(() => {});
};
