/**
 * GLib's default stderr format for pre-log-handler messages.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatGlibMessage } from "../../src/config/glib_log.ts";

const now = new Date(2025, 0, 2, 3, 4, 5, 6);

Deno.test("formatGlibMessage() formats a critical message", () => {
  assert.equal(
    formatGlibMessage("critical", "must specify a path for this channel", { pid: 6816, now }),
    "\n** (process:6816): CRITICAL **: 03:04:05.006: must specify a path for this channel\n",
  );
});

Deno.test("formatGlibMessage() formats a warning with a domain", () => {
  assert.equal(
    formatGlibMessage("warning", "a\nb", { pid: 1, now, domain: "GLib" }),
    "\n(process:1): GLib-WARNING **: 03:04:05.006: a\nb\n",
  );
});

Deno.test("formatGlibMessage() prints non-ASCII characters as ?", () => {
  assert.equal(
    formatGlibMessage("critical", "key “daemon” ü 😀", { pid: 2, now }),
    "\n** (process:2): CRITICAL **: 03:04:05.006: key ?daemon? ? ?\n",
  );
});
