/**
 * The capability-aware table: a command is enabled only when the profile has it and the process
 * holds what it needs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { commandStatuses, type HeldResources } from "../../src/policy/command_availability.ts";
import { PROFILES } from "../../src/policy/profiles.ts";
import type { CapabilityName } from "../../src/sys/capabilities.ts";

const ALL_CAPS: CapabilityName[] = [
  "CAP_SYS_TIME",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_DAC_READ_SEARCH",
  "CAP_DAC_OVERRIDE",
  "CAP_CHOWN",
  "CAP_FOWNER",
];

function held(over: Partial<HeldResources> = {}): HeldResources {
  return {
    mayRun: () => true,
    openat2: true,
    capabilities: new Set(ALL_CAPS),
    usableRoots: [{ path: "/r", writable: true }],
    execAllow: [],
    ...over,
  };
}

function reasons(profile: keyof typeof PROFILES, h: HeldResources): Map<string, string> {
  return new Map(
    commandStatuses(PROFILES[profile], h).filter((s) => s.disabledBecause !== undefined).map((
      s,
    ) => [s.name, s.disabledBecause!]),
  );
}

Deno.test("full enables everything whatever the process holds", () => {
  const none = held({
    mayRun: () => false,
    openat2: false,
    capabilities: new Set(),
    usableRoots: [],
  });
  assert.equal(reasons("full", none).size, 0);
});

Deno.test("files: guest-exec needs a listed program", () => {
  assert.match(reasons("files", held()).get("guest-exec")!, /--exec-allow/);
  assert.equal(
    reasons("files", held({ execAllow: ["/usr/bin/uptime"] })).get("guest-exec"),
    undefined,
  );
});

Deno.test("files: guest-file-* need openat2 and a usable root; writes a read-write root", () => {
  assert.match(reasons("files", held({ openat2: false })).get("guest-file-open")!, /openat2/);
  assert.match(reasons("files", held({ usableRoots: [] })).get("guest-file-read")!, /no file root/);
  const ro = reasons("files", held({ usableRoots: [{ path: "/r", writable: false }] }));
  assert.match(ro.get("guest-file-write")!, /read-only/);
  assert.equal(ro.get("guest-file-open"), undefined);
});

Deno.test("files: a helper program Deno does not grant, or a missing capability, disables", () => {
  const noHwclock = reasons("files", held({ mayRun: (p) => p !== "/sbin/hwclock" }));
  assert.match(noHwclock.get("guest-set-time")!, /Deno does not grant running \/sbin\/hwclock/);
  const noAdmin = reasons(
    "files",
    held({ capabilities: new Set(ALL_CAPS.filter((c) => c !== "CAP_SYS_ADMIN")) }),
  );
  for (const name of ["guest-fsfreeze-freeze", "guest-fsfreeze-thaw", "guest-fstrim"]) {
    assert.match(noAdmin.get(name)!, /CAP_SYS_ADMIN/, name);
  }
  const hook = reasons("files", held({ hook: "/x/hook", mayRun: (p) => p !== "/x/hook" }));
  assert.match(hook.get("guest-fsfreeze-freeze")!, /fsfreeze hook \/x\/hook/);
});

Deno.test("readonly's profile reasons come first and say why", () => {
  const r = reasons("readonly", held());
  assert.match(r.get("guest-set-time")!, /not in the readonly profile: it changes the guest/);
  assert.match(r.get("guest-exec")!, /runs programs/);
  assert.match(r.get("guest-file-write")!, /writes files/);
  assert.match(r.get("guest-ssh-add-authorized-keys")!, /logins/);
  assert.equal(r.get("guest-get-osinfo"), undefined);
});
