/**
 * The three profiles' command sets, as an operator would check them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PROFILES } from "../../src/policy/profiles.ts";
import { COMMANDS } from "../../src/schema/schema.ts";

const enabled = (name: keyof typeof PROFILES) =>
  COMMANDS.map((c) => c.name).filter((n) => !PROFILES[name].excluded.has(n));

Deno.test("full enables every command and says it is unconfined", () => {
  assert.equal(enabled("full").length, COMMANDS.length);
  assert.match(PROFILES.full.confines, /UNCONFINED/);
  assert.equal(PROFILES.full.confined, false);
});

Deno.test("files leaves out exactly the commands that hand out logins", () => {
  assert.deepEqual([...PROFILES.files.excluded.keys()].sort(), [
    "guest-set-user-password",
    "guest-ssh-add-authorized-keys",
    "guest-ssh-remove-authorized-keys",
  ]);
  for (const reason of PROFILES.files.excluded.values()) assert.match(reason, /logins/);
});

Deno.test("readonly keeps only what reads: information and guest-file reads", () => {
  const kept = enabled("readonly");
  for (const name of kept) {
    const command = COMMANDS.find((c) => c.name === name)!;
    assert.ok(
      command.effect === "read" ||
        ["guest-file-open", "guest-file-read", "guest-file-seek", "guest-file-close"].includes(
          name,
        ),
      name,
    );
  }
  for (const command of COMMANDS) {
    if (command.effect === "read") assert.ok(kept.includes(command.name), command.name);
  }
  for (const name of ["guest-file-write", "guest-file-flush", "guest-exec", "guest-set-time"]) {
    assert.ok(!kept.includes(name as never), name);
  }
});
