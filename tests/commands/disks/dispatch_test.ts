/**
 * guest-get-fsinfo, guest-get-disks and guest-get-diskstats through the real dispatcher and
 * handler table on `FakeSys`: the reply bytes, in qemu-ga 7.2's member order (as observed from
 * it on a virtio-blk guest), and the error replies.
 *
 * @module
 */

import assert from "node:assert/strict";
import { JsonMessageStream } from "../../../src/stream/json_stream.ts";
import { testDispatcher } from "../../helpers/command_context.ts";
import { FakeSys, type FakeSysOptions } from "../../helpers/fake_sys/fake_sys.ts";
import { block, pciDevice } from "./fake_tree.ts";

const VDA = "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda";

async function ask(options: FakeSysOptions, command: string): Promise<string> {
  const dispatcher = testDispatcher({ context: { sys: new FakeSys(options) } });
  const [event] = new JsonMessageStream().feed(
    new TextEncoder().encode(`{"execute":"${command}"}`),
  );
  assert.ok(event && "value" in event);
  const reply = await dispatcher.dispatch(event.value);
  return new TextDecoder().decode(reply!).replace(/\n$/, "");
}

const guest: FakeSysOptions = {
  filesystems: { mountinfo: "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" },
  disks: {
    tree: {
      ...pciDevice("/sys/devices/pci0000:00/0000:00:02.0", "virtio-pci"),
      ...block(VDA, 254, 0),
    },
    statvfs: { "/": { frsize: 4096n, blocks: 26597728n, bfree: 20700000n, bavail: 20700000n } },
    diskstats: " 254       0 vda 96179 9531 2541242 121843 63193 21562 6827016 24547 0 26496 " +
      "153875 58115 55 4823096 7340 2653 143\n",
  },
};

const ADDRESS = '{"bus-type": "virtio", "bus": 0, "unit": 0, "pci-controller": {"bus": 0, ' +
  '"slot": 2, "domain": 0, "function": 0}, "dev": "/dev/vda", "target": 0}';

Deno.test("guest-get-fsinfo replies in qemu-ga 7.2's member order", async () => {
  assert.equal(
    await ask(guest, "guest-get-fsinfo"),
    `{"return": [{"name": "vda", "total-bytes": ${(26597728n) * 4096n}, "mountpoint": "/", ` +
      `"disk": [${ADDRESS}], "used-bytes": ${(26597728n - 20700000n) * 4096n}, "type": "ext4"}]}`,
  );
});

Deno.test("guest-get-disks replies in qemu-ga 7.2's member order", async () => {
  assert.equal(
    await ask(guest, "guest-get-disks"),
    `{"return": [{"name": "/dev/vda", "dependencies": [], "partition": false, "address": ${ADDRESS}}]}`,
  );
});

Deno.test("guest-get-diskstats replies in qemu-ga 7.2's member order", async () => {
  assert.equal(
    await ask(guest, "guest-get-diskstats"),
    '{"return": [{"name": "vda", "stats": {"discard-sectors": 4823096, "write-ios": 63193, ' +
      '"discard-ios": 58115, "discard-ticks": 7340, "weight-ticks": 153875, "read-ios": 96179, ' +
      '"flush-ios": 2653, "write-sectors": 6827016, "write-merges": 21562, "write-ticks": 24547, ' +
      '"ios-pgr": 0, "read-sectors": 2541242, "read-merges": 9531, "total-ticks": 26496, ' +
      '"discard-merges": 55, "flush-ticks": 143, "read-ticks": 121843}, "minor": 0, "major": 254}]}',
  );
});

Deno.test("the three commands reply with qemu-ga 7.2's error texts", async () => {
  const broken: FakeSysOptions = {
    filesystems: { mountinfo: "27 1 254:0 / / rw - ext4 /dev/vda rw\n" },
    disks: { failures: { "realpath /sys/dev/block/254:0": "EACCES", "opendir /sys/block": "EIO" } },
  };
  const error = (desc: string) => `{"error": {"class": "GenericError", "desc": "${desc}"}}`;
  assert.equal(
    await ask(broken, "guest-get-fsinfo"),
    error('realpath(\\"/sys/dev/block/254:0\\"): Permission denied'),
  );
  assert.equal(
    await ask(broken, "guest-get-disks"),
    error('Can\'t open directory \\"/sys/block\\": Input/output error'),
  );
  assert.equal(
    await ask(broken, "guest-get-diskstats"),
    error('open(\\"/proc/diskstats\\"): No such file or directory'),
  );
});
