/**
 * A child process for `./landlock_test.ts` (Landlock is never applied in the test runner): restricts
 * its JS thread to its own `/proc/<pid>` with {@link restrictSelf}, closes the pinning descriptor
 * when its argument is `unpinned`, prints `ready`, waits for a line on stdin (the test drops the
 * dentry cache meanwhile), then prints whether `/proc/<pid>/status` still opens through FFI
 * (`ok`, or the errno).
 *
 * @module
 */

import { closeFd, readSmallFile } from "../../src/sys/fd.ts";
import { restrictSelf } from "../../src/sys/landlock.ts";
import { OsError } from "../../src/sys/os_error.ts";

const report = restrictSelf(
  [{ path: `/proc/${Deno.pid}`, rights: ["read-file", "read-dir"] }],
  { denyTcp: false, scoped: false },
);
if (Deno.args[0] === "unpinned") { for (const fd of report.pinned) closeFd(fd); }
const status = `/proc/${Deno.pid}/status`;
const attempt = () => {
  try {
    readSmallFile(status);
    return "ok";
  } catch (error) {
    if (error instanceof OsError) return String(error.errno);
    throw error;
  }
};
console.log(JSON.stringify({ pinned: report.pinned.length, before: attempt() }));
// Read one line from stdin synchronously (the JS thread is the restricted one).
const buffer = new Uint8Array(16);
Deno.stdin.readSync(buffer);
console.log(JSON.stringify({ after: attempt() }));
