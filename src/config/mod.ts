/**
 * The option and configuration layer of qga-deno: qemu-ga 7.2's command line, config file,
 * `-D` dump and help texts as pure functions.
 *
 * @module
 */

export * from "./config.ts";
export * from "./options.ts";
export * from "./dump.ts";
export * from "./usage.ts";
export * from "./socket_activation.ts";
export * from "./glib_log.ts";
export * from "../sys/key_file.ts";
export * from "./deno_environment.ts";
