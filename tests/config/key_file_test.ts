/**
 * The GLib key-file subset: parsing, value unescaping, booleans and escaping for `-D`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  escapeKeyFileValue,
  keyFileBoolean,
  keyFileString,
  parseKeyFile,
} from "../../src/sys/key_file.ts";

function groups(text: string): Record<string, Record<string, string>> {
  const result = parseKeyFile(text);
  assert.ok(result.ok, result.ok ? "" : result.message);
  return Object.fromEntries(
    [...result.file].map(([name, keys]) => [name, Object.fromEntries(keys)]),
  );
}

function failure(text: string): string {
  const result = parseKeyFile(text);
  assert.ok(!result.ok, "expected a parse error");
  return result.message;
}

Deno.test("parseKeyFile() reads groups, comments and whitespace like GLib", () => {
  assert.deepEqual(
    groups("# top\n\n  [general]  \n  a = 1  \n\t# c\nb=x=y\n[other]\nc=\n[general]\na=2\n"),
    { general: { a: "2", b: "x=y" }, other: { c: "" } },
  );
});

Deno.test("parseKeyFile() handles CRLF, a missing final newline and a final CR", () => {
  assert.deepEqual(groups("[g]\r\na=1\r\nb=2"), { g: { a: "1", b: "2" } });
  assert.deepEqual(groups("[g]\na=1\r"), { g: { a: "1\r" } });
  assert.deepEqual(groups(""), {});
});

Deno.test("parseKeyFile() accepts keys GLib accepts", () => {
  assert.deepEqual(groups("[g]\nk ey=1\nkey\t=2\np[de_DE.UTF-8@euro]=3\n"), {
    g: { "k ey": "1", key: "2", "p[de_DE.UTF-8@euro]": "3" },
  });
});

const ERRORS: [string, string][] = [
  [
    "garbage\n",
    "Key file contains line “garbage” which is not a key-value pair, group, or comment",
  ],
  ["[g]\n  =a\n", "Key file contains line “  =a” which is not a key-value pair, group, or comment"],
  ["[g\n", "Key file contains line “[g” which is not a key-value pair, group, or comment"],
  ["[g]x\n", "Key file contains line “[g]x” which is not a key-value pair, group, or comment"],
  ["a=1\n", "Key file does not start with a group"],
  ["[]\n", "Invalid group name: "],
  ["[a[b]\n", "Invalid group name: a[b"],
  ["[a\tb]\n", "Invalid group name: a\tb"],
  ["[g]\nk[x=1\n", "Invalid key name: k[x"],
  ["[g]\nk]=1\n", "Invalid key name: k]"],
  ["[g]\nk[d e]=1\n", "Invalid key name: k[d e]"],
  ["[g]\nk[de]x=1\n", "Invalid key name: k[de]x"],
  ["[g]\nab [de]=1\n", "Invalid key name: ab [de]"],
  [
    "[g]\n[x]=1\n",
    "Invalid key name: [x]",
  ],
  ["[g]\nEncoding=latin1\n", "Key file contains unsupported encoding “latin1”"],
  ["[g]\nEncoding=UTF-8 \n", "Key file contains unsupported encoding “UTF-8 ”"],
];

for (const [text, message] of ERRORS) {
  Deno.test(`parseKeyFile() rejects ${JSON.stringify(text)}`, () => {
    assert.equal(failure(text), message);
  });
}

Deno.test("parseKeyFile() checks Encoding only in the first group", () => {
  assert.deepEqual(groups("[a]\n[g]\nEncoding=x\n"), { a: {}, g: { Encoding: "x" } });
  assert.deepEqual(groups("[g]\nEncoding=utf-8\n"), { g: { Encoding: "utf-8" } });
});

Deno.test("keyFileString() unescapes and rejects unknown escapes", () => {
  assert.equal(keyFileString("a\\\\b\\sc\\td\\ne\\rf"), "a\\b c\td\ne\rf");
  assert.equal(keyFileString("a;b,c"), "a;b,c");
  assert.equal(keyFileString("\\x"), undefined);
  assert.equal(keyFileString("\\;"), undefined);
  assert.equal(keyFileString("ab\\"), undefined);
});

Deno.test("keyFileBoolean() accepts only true/1/false/0 plus trailing whitespace", () => {
  const table: [string, boolean | undefined][] = [
    ["true", true],
    ["1", true],
    ["1 \t", true],
    ["false", false],
    ["0", false],
    ["TRUE", undefined],
    ["t", undefined],
    ["", undefined],
    ["00", undefined],
    ["true x", undefined],
    ["yes", undefined],
  ];
  for (const [raw, expected] of table) assert.equal(keyFileBoolean(raw), expected, raw);
});

Deno.test("escapeKeyFileValue() escapes like g_key_file_set_string", () => {
  const table: [string, string][] = [
    ["plain", "plain"],
    ["guest-ping;guest-get-time", "guest-ping;guest-get-time"],
    [" \tlead", "\\s\\tlead"],
    ["a b\tc", "a b\tc"],
    ["\n \r", "\\n\\s\\r"],
    ["a\\b", "a\\\\b"],
    ["\\ x", "\\\\ x"],
  ];
  for (const [value, expected] of table) assert.equal(escapeKeyFileValue(value), expected, value);
});

Deno.test("escapeKeyFileValue() round-trips through keyFileString()", () => {
  for (const value of [" a", "\t\tb ", "x\ny", "c:\\dir", ""]) {
    assert.equal(keyFileString(escapeKeyFileValue(value)), value);
  }
});
