/**
 * `getoptLong()` against glibc's getopt_long behaviour, on qemu-ga's grammar.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type GetoptEvent, getoptLong } from "../../src/config/getopt.ts";
import { OPTION_SPEC } from "../../src/config/options.ts";

function o(key: string, arg?: string): GetoptEvent {
  return arg === undefined ? { kind: "option", key } : { kind: "option", key, arg };
}

function e(message: string): GetoptEvent {
  return { kind: "error", message: `qemu-ga: ${message}\n` };
}

const CASES: [string, string[], GetoptEvent[]][] = [
  ["no arguments", [], []],
  ["clustered flags", ["-vdDr"], [o("v"), o("d"), o("D"), o("r")]],
  ["attached argument", ["-mvirtio-serial"], [o("m", "virtio-serial")]],
  ["separate argument", ["-m", "x"], [o("m", "x")]],
  ["argument after a cluster", ["-vm", "x"], [o("v"), o("m", "x")]],
  ["argument rest of a cluster", ["-vmx"], [o("v"), o("m", "x")]],
  ["argument starting with -", ["-p", "-v"], [o("p", "-v")]],
  ["optional argument attached", ["-F/h"], [o("F", "/h")]],
  ["optional argument absent", ["-F", "/h"], [o("F")]],
  ["optional argument in a cluster", ["-vFv"], [o("v"), o("F", "v")]],
  ["long with =", ["--method=x"], [o("m", "x")]],
  ["long with separate value", ["--method", "x"], [o("m", "x")]],
  ["long with empty =", ["--method="], [o("m", "")]],
  ["long optional with =", ["--fsfreeze-hook=/h"], [o("F", "/h")]],
  ["long optional alone", ["--fsfreeze-hook", "/h"], [o("F")]],
  ["unique prefix", ["--verb", "--st=/s"], [o("v"), o("t", "/s")]],
  ["same-meaning prefixes are not ambiguous", ["--b", "x"], [o("b", "x")]],
  ["exact match beats prefixes", ["--path", "p"], [o("p", "p")]],
  ["extension option", ["--max-file-handles=3"], [o("max-file-handles", "3")]],
  ["extension option prefix", ["--ma", "3", "--fr=1"], [
    o("max-file-handles", "3"),
    o("freeze-timeout", "1"),
  ]],
  ["main table wins prefixes over extensions", ["--m", "x", "--f"], [o("m", "x"), o("F")]],
  ["words are skipped", ["a", "-v", "b"], [o("v")]],
  ["lone - is a word", ["-", "-d"], [o("d")]],
  ["-- ends options", ["-v", "--", "-d"], [o("v")]],
  ["-s takes an argument", ["-s", "x", "-v"], [o("s", "x"), o("v")]],
  ["invalid short option", ["-x"], [e("invalid option -- 'x'")]],
  ["scan continues after an error", ["-xv"], [e("invalid option -- 'x'"), o("v")]],
  ["colon is invalid", ["-:"], [e("invalid option -- ':'")]],
  ["missing short argument", ["-m"], [e("option requires an argument -- 'm'")]],
  ["missing long argument", ["--method"], [e("option '--method' requires an argument")]],
  ["missing argument names the full option", ["--pa"], [
    e("option '--path' requires an argument"),
  ]],
  ["argument refused", ["--help=x"], [e("option '--help' doesn't allow an argument")]],
  ["unrecognized", ["--bogus=1"], [e("unrecognized option '--bogus=1'")]],
  ["ambiguous", ["--d"], [
    e("option '--d' is ambiguous; possibilities: '--dump-conf' '--daemonize'"),
  ]],
  ["ambiguous keeps the value", ["--p=a"], [
    e("option '--p=a' is ambiguous; possibilities: '--pidfile' '--path'"),
  ]],
  ["empty name matches everything", ["--=x"], [
    e(
      "option '--=x' is ambiguous; possibilities: '--help' '--version' '--config' " +
        "'--dump-conf' '--logfile' '--pidfile' '--fsfreeze-hook' '--verbose' '--method' " +
        "'--path' '--daemonize' '--block-rpcs' '--blacklist' '--allow-rpcs' '--statedir' '--retry-path'",
    ),
  ]],
];

for (const [name, argv, expected] of CASES) {
  Deno.test(`getoptLong() handles ${name}`, () => {
    assert.deepEqual(getoptLong(argv, OPTION_SPEC), expected);
  });
}

Deno.test("getoptLong() reports a non-ASCII short option as one character", () => {
  assert.deepEqual(getoptLong(["-é"], OPTION_SPEC), [e("invalid option -- 'é'")]);
});
