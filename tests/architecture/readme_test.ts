/**
 * The README's command table is the one generated from the schema (`deno task docs`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/schema/schema.ts";
import { commandTable, README_URL, withCommandTable } from "./readme_table.ts";

Deno.test("the README's command table is up to date with the schema (deno task docs)", () => {
  const text = Deno.readTextFileSync(README_URL);
  assert.equal(text, withCommandTable(text), "README.md is out of date: run deno task docs");
});

Deno.test("commandTable() has one row per schema command, in registration order", () => {
  const names = [...commandTable().matchAll(/^\| `(guest-[a-z-]+)` /gm)].map((m) => m[1]);
  assert.deepEqual(names, COMMANDS.map((c) => c.name));
});
