/**
 * `socketActivationFds()`: when systemd socket activation applies.
 *
 * @module
 */

import assert from "node:assert/strict";
import { socketActivationFds } from "../../src/config/socket_activation.ts";

const TABLE: [string, Record<string, string>, ReturnType<typeof socketActivationFds>][] = [
  ["no variables", {}, "none"],
  ["only LISTEN_PID", { LISTEN_PID: "42" }, "none"],
  ["another process", { LISTEN_PID: "43", LISTEN_FDS: "1" }, "none"],
  ["one socket", { LISTEN_PID: "42", LISTEN_FDS: "1" }, 1],
  ["leading zeros and blanks", { LISTEN_PID: " 042", LISTEN_FDS: "+1" }, 1],
  ["zero sockets", { LISTEN_PID: "42", LISTEN_FDS: "0" }, "none"],
  ["two sockets", { LISTEN_PID: "42", LISTEN_FDS: "2" }, {
    error: "qemu-ga only supports listening on one socket",
  }],
  ["malformed pid", { LISTEN_PID: "42x", LISTEN_FDS: "1" }, "none"],
  ["malformed count", { LISTEN_PID: "42", LISTEN_FDS: "" }, "none"],
  ["negative count", { LISTEN_PID: "42", LISTEN_FDS: "-1" }, "none"],
];

for (const [name, vars, expected] of TABLE) {
  Deno.test(`socketActivationFds() handles ${name}`, () => {
    assert.deepEqual(socketActivationFds((key) => vars[key], 42), expected);
  });
}
