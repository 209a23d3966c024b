/**
 * Tests of the oracle harness itself (no agent needed): byte strings and payloads, the fixture
 * encoding, the guest-info and command-list expectations, the marker technique against a fake
 * agent, and that the recording covers the table and never ran a dangerous command.
 *
 * @module
 */

import assert from "node:assert/strict";
import { QgaClient, STANDARD_RESYNC } from "../helpers/agent_process.ts";
import {
  bytesToByteString,
  byteStringToBytes,
  DANGEROUS_COMMANDS,
  describePayload,
  ORACLE_CASES,
  payloadBytes,
  stepObject,
  syncedSteps,
  unsafeRequest,
  utf8,
} from "./cases.ts";
import {
  ABSENT_COMMANDS,
  ADDED_COMMANDS,
  applyIntentionalDifferences,
  expectedCommandNames,
  expectedInfoReply,
  expectUnregistered,
  infoCommandNames,
  isAbsentCommand,
  QEMU_GA_72_COMMANDS,
} from "./differences.ts";
import { type Fixture, loadFixture, normalizeReply, stringifyFixture } from "./runner.ts";

Deno.test("utf8() and byte strings round-trip every byte", () => {
  assert.equal(utf8("é€"), "\xc3\xa9\xe2\x82\xac");
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
  assert.equal(bytesToByteString(byteStringToBytes(all)), all);
  assert.throws(() => byteStringToBytes("é€"), RangeError);
});

Deno.test("payloadBytes() expands repeats and @DIR@", () => {
  const bytes = payloadBytes(
    ["@DIR@/x:", { repeat: "ab", times: 3 }, { repeat: "\xff", times: 2 }],
    "/t",
  );
  assert.deepEqual(bytes, byteStringToBytes("/t/x:ababab\xff\xff"));
  assert.equal(describePayload(["a", { repeat: "[", times: 5 }]), "a<5 x [>");
});

Deno.test("stringifyFixture() writes ASCII that parses back to the same byte strings", () => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
  const fixture: Fixture = {
    oracle: "x",
    format: [],
    cases: { a: { requests: [all], replies: [] } },
  };
  const text = stringifyFixture(fixture);
  assert.match(text, /^[\x20-\x7e\n]*$/);
  assert.deepEqual(JSON.parse(text), fixture);
});

Deno.test("normalizeReply() replaces the directory, the clock and interface counters", () => {
  const time = ORACLE_CASES.find((c) => c.name === "info/guest-get-time")!;
  assert.equal(
    normalizeReply(time, '{"return": 1795697134263084000}\n', "/d"),
    '{"return": @TIME@000}\n',
  );
  assert.equal(
    normalizeReply(time, '{"return": 1795697134263084001}\n', "/d"),
    '{"return": 1795697134263084001}\n',
  );
  const net = ORACLE_CASES.find((c) => c.name === "info/guest-network-get-interfaces")!;
  assert.equal(
    normalizeReply(net, '"rx-bytes": 12, "tx-errs": 0 /d/x', "/d"),
    '"rx-bytes": @N@, "tx-errs": @N@ @DIR@/x',
  );
});

Deno.test("expectedInfoReply() drops the absent commands, adds the added ones, keeps every flag", () => {
  const entry = (name: string, enabled = true, success = true) =>
    `{"enabled": ${enabled}, "name": "${name}", "success-response": ${success}}`;
  const reply = (entries: string[], id = "") =>
    `{"return": {"version": "7.2.22", "supported_commands": [${entries.join(", ")}]}${id}}\n`;
  const like = ADDED_COMMANDS[0]!.enabledLike;
  const kept = [entry(like, false), entry("guest-suspend-ram", false, false), entry("guest-ping")];
  const absent = ABSENT_COMMANDS.flatMap((row) => row.commands).map((name) => entry(name));
  // Added commands come first (newest registration first), enabled like their reference.
  const added = [...ADDED_COMMANDS].reverse().map((c) => entry(c.name, false));
  assert.equal(
    expectedInfoReply(reply([kept[0]!, ...absent, kept[1]!, kept[2]!])),
    reply([...added, ...kept]),
  );
  assert.equal(
    expectedInfoReply(reply([...absent, ...kept], ', "id": [1]')),
    reply([...added, ...kept], ', "id": [1]'),
  );
  // A row naming a command the oracle does not list is stale: the comparison must say so.
  assert.throws(() => expectedInfoReply(reply(kept)), /ABSENT_COMMANDS/);
  // Anything that is not a guest-info success reply is left alone.
  const other = '{"return": {}}\n';
  assert.equal(expectedInfoReply(other), other);
});

Deno.test("expectedInfoReply() turns the recorded guest-info into qga-deno's 43 commands", async () => {
  const fixture = await loadFixture();
  const recorded = fixture.cases["info/guest-info"]!.replies[0]!.reply!;
  const names = infoCommandNames(expectedInfoReply(recorded));
  assert.deepEqual(names, [...expectedCommandNames()].reverse());
  assert.equal(names?.length, 43);
  assert.deepEqual(infoCommandNames(recorded), [...QEMU_GA_72_COMMANDS].reverse());
});

Deno.test("expectedCommandNames() is qemu-ga 7.2's list without the absent commands, then the added", () => {
  const names = expectedCommandNames();
  const absent = ABSENT_COMMANDS.flatMap((row) => row.commands).length;
  assert.equal(names.length + absent - ADDED_COMMANDS.length, 42);
  assert.deepEqual(names, [
    ...QEMU_GA_72_COMMANDS.filter((name) => !isAbsentCommand(name)),
    ...ADDED_COMMANDS.map((c) => c.name),
  ]);
  assert.deepEqual(names.slice(0, 3), ["guest-sync-delimited", "guest-sync", "guest-ping"]);
  assert.throws(() => expectedCommandNames(["guest-ping"]), /ABSENT_COMMANDS names commands/);
  for (const row of ABSENT_COMMANDS) assert.ok(row.reason.length > 40, row.commands.join());
  for (const row of ADDED_COMMANDS) assert.ok(row.reason.length > 10, row.name);
});

Deno.test("expectUnregistered() rewrites validation errors of absent commands only", () => {
  const paramError = (id = "") =>
    `{${id}"error": {"class": "GenericError", "desc": "Parameter 'x' is unexpected"}}\n`;
  const notFound = (name: string, id = "") =>
    `{${id}"error": {"class": "CommandNotFound", "desc": "The command ${name} has not been found"}}\n`;
  assert.equal(
    expectUnregistered('{"execute":"guest-get-devices","arguments":{"x":1}}', paramError()),
    notFound("guest-get-devices"),
  );
  assert.equal(
    expectUnregistered('{"execute":"guest-get-devices","id":3}', paramError('"id": 3, ')),
    notFound("guest-get-devices", '"id": 3, '),
  );
  for (const name of ["guest-get-time", "guest-sync", "guest-bogus", "guest-exec"]) {
    const request = `{"execute":"${name}","arguments":{"x":1}}`;
    assert.equal(expectUnregistered(request, paramError()), paramError(), name);
  }
});

Deno.test("applyIntentionalDifferences() rewrites only the listed cases", () => {
  const disabled =
    '{"error": {"class": "CommandNotFound", "desc": "Command guest-get-devices has been disabled"}}\n';
  assert.match(
    applyIntentionalDifferences("validation/disabled-guest-get-devices", disabled),
    /has not been found/,
  );
  assert.equal(applyIntentionalDifferences("protocol/ping", disabled), disabled);
});

Deno.test("QgaClient.readUntilMarker() cuts replies and the resync line out of the stream", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const server = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(4096);
    let seen = "";
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      seen += bytesToByteString(buf.subarray(0, n));
      const m = /\xff\{"execute":"guest-sync-delimited","arguments":\{"id":(\d+)\}\}/.exec(seen);
      if (!m) continue;
      const request = seen.slice(0, m.index);
      seen = seen.slice(m.index + m[0].length);
      const stray = request.endsWith("\\")
        ? `{"error": {"class": "GenericError", "desc": "JSON parse error, stray 'x'"}}\n`
        : STANDARD_RESYNC;
      const reply = request === "none" ? "" : `{"return": "${request.length}"}\n`;
      await conn.write(byteStringToBytes(`${reply}${stray}\xff{"return": ${m[1]}}\n`));
    }
    conn.close();
  })();
  const client = await QgaClient.connect(path, 2000);
  const dec = new TextDecoder();
  const a = await client.exchange("abc");
  assert.equal(dec.decode(a.reply), '{"return": "3"}\n');
  assert.equal(dec.decode(a.resync), STANDARD_RESYNC);
  const b = await client.exchange("none");
  assert.equal(dec.decode(b.reply), "");
  const c = await client.exchange("a\\");
  assert.equal(
    dec.decode(c.resync),
    `{"error": {"class": "GenericError", "desc": "JSON parse error, stray 'x'"}}\n`,
  );
  await client.close();
  await server;
  listener.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the recording covers every case of the table", async () => {
  const fixture = await loadFixture();
  for (const c of ORACLE_CASES) {
    const record = fixture.cases[c.name];
    assert.ok(record, `${c.name} is not recorded: run deno run -A tests/oracle/record.ts`);
    assert.equal(record.replies.length, syncedSteps(c), `${c.name}: step count`);
  }
  assert.deepEqual(Object.keys(fixture.cases), ORACLE_CASES.map((c) => c.name));
});

Deno.test("dangerous commands only ever got argument-validation errors from the oracle", async () => {
  const fixture = await loadFixture();
  const validation =
    /^\{(?:"id": [^,]*, )?"error": \{"class": "GenericError", "desc": "(Parameter '[^']*' (is missing|is unexpected|expects uint64|does not accept value '.*')|Invalid parameter type for '[^']*', expected: \w+)"\}\}\n$/;
  let checked = 0;
  for (const c of ORACLE_CASES) {
    const sends = c.steps.map(stepObject).filter((s) => "send" in s && s.sync !== false);
    sends.forEach((step, i) => {
      const text = "send" in step && typeof step.send === "string" ? step.send : "";
      const m = /"execute":"([^"]*)"/.exec(text);
      if (!m || !DANGEROUS_COMMANDS.includes(m[1]!)) return;
      if (c.group === "exec") {
        // Harmless guest-exec cases: their requests pass the same check record.ts applies.
        assert.equal(unsafeRequest(c.group, text), undefined, `${c.name}: ${text}`);
        return;
      }
      checked++;
      assert.equal(c.group, "validation", `${c.name}: dangerous command outside validation`);
      const reply = fixture.cases[c.name]!.replies[i]!.reply!;
      assert.match(reply, validation, `${c.name}: ${reply}`);
    });
  }
  assert.ok(checked > 20);
});
