/**
 * The guest-file-* commands: handlers, the handle table and helpers.
 *
 * {@link FILE_HANDLERS} finds its handle table through {@link contextFileTable}: the context's
 * `files` member when it has one, otherwise one table per context object. Use
 * {@link fileHandlers} to bind the handlers to an explicit table instead.
 *
 * @module
 */

import { contextFileTable, type FileHandlers, fileHandlers } from "./file_commands.ts";

export { decodeBase64, encodeBase64, INVALID_BASE64 } from "./base64.ts";
export {
  type AsyncHandler,
  contextFileTable,
  DEFAULT_READ_COUNT,
  type FileHandlers,
  fileHandlers,
  type FileTableSource,
  MAX_READ_COUNT,
  parseWhence,
} from "./file_commands.ts";
export { NEW_FILE_MODE } from "./file_io.ts";
export {
  DEFAULT_HANDLE_LIMIT,
  FileHandle,
  FileHandleTable,
  type FileHandleTableOptions,
} from "./handles.ts";
export { OPEN_MODES, type OpenMode, parseOpenMode } from "./open_mode.ts";

/** The six guest-file-* handlers by wire name, using each context's handle table. */
export const FILE_HANDLERS: FileHandlers = fileHandlers(contextFileTable);
