/**
 * The table of open guest-file handles.
 *
 * Handles are global to the agent (not tied to a client connection) and do not survive a
 * restart; their ids come from the persistent counter in `qga.state`
 * (`AgentState.takeHandle()`), so an id is never handed out twice, and are exact `bigint`s.
 * Unlike qemu-ga, the table has a size limit, so a client cannot exhaust the agent's file
 * descriptors.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { FileIo } from "../../sys/files/files.ts";

/** Default maximum number of simultaneously open handles. */
export const DEFAULT_HANDLE_LIMIT = 1024;

/** One open guest file. Operations on a handle run one at a time, in call order. */
export class FileHandle {
  /** The handle id the client uses. */
  readonly id: bigint;
  /** The path as given to `guest-file-open`. */
  readonly path: string;
  /** The open mode string. */
  readonly mode: string;
  #io: FileIo;
  #queue: Promise<unknown> = Promise.resolve();

  /** Wraps an open file under handle `id`. */
  constructor(id: bigint, path: string, mode: string, io: FileIo) {
    this.id = id;
    this.path = path;
    this.mode = mode;
    this.#io = io;
  }

  /** Runs `op` on the file once every earlier operation on this handle has finished. */
  run<T>(op: (io: FileIo) => Promise<T> | T): Promise<T> {
    const result = this.#queue.then(() => op(this.#io));
    this.#queue = result.catch(() => {});
    return result;
  }
}

/** Options of a {@link FileHandleTable}. */
export interface FileHandleTableOptions {
  /** Maximum number of open handles (default {@link DEFAULT_HANDLE_LIMIT}). */
  readonly limit?: number;
}

/** Open handles by id. */
export class FileHandleTable {
  #handles = new Map<bigint, FileHandle>();
  #limit: number;

  /** Creates an empty table. */
  constructor(options: FileHandleTableOptions = {}) {
    this.#limit = options.limit ?? DEFAULT_HANDLE_LIMIT;
  }

  /** Maximum number of open handles. */
  get limit(): number {
    return this.#limit;
  }

  /** Number of open handles. */
  get size(): number {
    return this.#handles.size;
  }

  /** True while another handle can be added. */
  get hasRoom(): boolean {
    return this.#handles.size < this.#limit;
  }

  /** Open handle ids, oldest first. */
  ids(): bigint[] {
    return [...this.#handles.keys()];
  }

  /** Returns handle `id`; throws qemu-ga's `handle '<id>' has not been found`. */
  get(id: bigint): FileHandle {
    const handle = this.#handles.get(id);
    if (!handle) throw new QgaError(`handle '${id}' has not been found`);
    return handle;
  }

  /** Adds an open handle; throws RangeError when the table is full or the id is in use. */
  add(handle: FileHandle): void {
    if (!this.hasRoom) throw new RangeError(`too many open files (limit ${this.#limit})`);
    if (this.#handles.has(handle.id)) throw new RangeError(`handle ${handle.id} is in use`);
    this.#handles.set(handle.id, handle);
  }

  /** Removes handle `id` (the caller closes the file). */
  delete(id: bigint): boolean {
    return this.#handles.delete(id);
  }

  /** Closes every open file and empties the table (agent shutdown, tests); never throws. */
  async closeAll(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    for (const handle of handles) {
      try {
        await handle.run((io) => io.close());
      } catch {
        // Nothing useful to report at shutdown.
      }
    }
  }
}
