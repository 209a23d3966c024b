/**
 * Resource limits of QEMU's JSON message stream (`qobject/json-lexer.c` and
 * `qobject/json-streamer.c`), reproduced exactly because they decide which
 * requests are rejected and how many error replies a broken request produces.
 *
 * @module
 */

/**
 * Largest byte size of one token, and of all queued tokens of one message (64 MiB).
 *
 * QEMU uses it twice, for memory safety against a peer that never stops sending:
 * the lexer force-emits any single token that grows beyond it, and the streamer
 * rejects a message once `queued bytes + token bytes + 1` exceeds it (error
 * `JSON token size limit exceeded`).
 */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;

/**
 * Largest number of tokens in one message (2 Mi = 2097152).
 *
 * QEMU's streamer bounds the per-message token queue so that a flood of tiny
 * tokens (`[0,0,0,...`) cannot exhaust memory (error `JSON token count limit exceeded`).
 */
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;

/**
 * Largest combined `{`/`[` nesting depth of one message (1024).
 *
 * QEMU's parser is recursive; the streamer bounds the depth so that input cannot
 * overflow the stack (error `JSON nesting depth limit exceeded`).
 */
export const MAX_NESTING = 1024;

/**
 * Size of the buffer QEMU formats parser error messages into (`char message[1024]`
 * in `parse_error()`): the message after `JSON parse error, ` is cut to 1023 bytes,
 * which is visible for very long invalid keywords.
 */
export const PARSE_ERROR_MESSAGE_MAX = 1023;
