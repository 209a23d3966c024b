/**
 * The virtio-serial benchmark's passes: each pass boots the guest once per agent (qga-deno
 * first on even passes, qemu-ga first on odd ones) and measures it (`phases.ts`); the first pass
 * also profiles both under strace. The samples become the rows of the host benchmark's table
 * (`../report.ts`): medians over the passes (round trips pooled), with the values of each pass in
 * the notes so the spread shows.
 *
 * @module
 */

import type { GuestImage } from "../../tests/vm/image.ts";
import { runHost } from "../../tests/vm/util.ts";
import { pseudoRandomBytes } from "../measure.ts";
import { floorTarget, type Row } from "../report.ts";
import { median, percentile } from "../stats.ts";
import { mib, order, type PerAgent, progress } from "../_util.ts";
import { BenchGuest } from "./guest.ts";
import { type BootSample, measureBoot } from "./phases.ts";
import type { VmPlan } from "./plan.ts";
import { profileSection } from "./profile_report.ts";
import { findProcess, loadMark, otherLoad } from "./host_load.ts";

/** What the passes measured. */
export interface VmSuiteResult {
  /** The table's rows. */
  rows: Row[];
  /** Notes under the table. */
  notes: string[];
  /** Markdown after the notes: where the time goes. */
  profile: string;
}

function sizeLabel(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * Runs every pass.
 *
 * @param plan How much work per boot.
 * @param options The guest image, a scratch directory (short path), qga-deno's argv in the
 *   guest, and the benchmark disk (made by `disk.ts`).
 * @returns Rows, notes and the profile section.
 */
export async function runVmSuite(
  plan: VmPlan,
  options: { image: GuestImage; dir: string; argv: string[]; disk: string },
): Promise<VmSuiteResult> {
  const data = pseudoRandomBytes(plan.fileSize);
  const samples: PerAgent<BootSample[]> = { ours: [], qemu: [] };
  const boots: number[] = [];
  const clocksources = new Set<string>();
  const loads: string[] = [];
  const hugepages = new Set<string>();
  for (let pass = 0; pass < plan.passes; pass++) {
    for (const kind of order(pass)) {
      const dir = `${options.dir}/p${pass}${kind}`;
      await Deno.mkdir(dir);
      const disk = `${dir}/disk.img`;
      await runHost("cp", ["--sparse=always", options.disk, disk]);
      progress(`pass ${pass + 1}/${plan.passes}: booting the guest for ${kind}`);
      const guest = await BenchGuest.boot({ image: options.image, dir, disk, argv: options.argv });
      const qemu = findProcess(`${dir}/qmp.sock`);
      const mark = loadMark(qemu ? [qemu] : []);
      try {
        boots.push(guest.uptimeMs);
        clocksources.add(guest.clocksource);
        hugepages.add(guest.hugepages);
        progress(`  guest shell up after ${(guest.uptimeMs / 1000).toFixed(1)} s`);
        const profile = pass === 0;
        samples[kind].push(await measureBoot(guest, { kind, plan, data, profile }));
        loads.push(`${kind} ${otherLoad(mark, loadMark(qemu ? [qemu] : [])).toFixed(2)}`);
      } catch (error) {
        const text = await Deno.readTextFile(`${dir}/console.log`).catch(() => "");
        progress(`guest console (last lines):\n${text.split("\n").slice(-40).join("\n")}`);
        throw error;
      } finally {
        await guest.shutDown();
        await Deno.remove(disk).catch(() => {});
      }
    }
  }
  return {
    rows: rows(plan, samples),
    notes: notes(plan, samples, {
      boots,
      clocksources: [...clocksources],
      hugepages: [...hugepages],
      loads,
    }),
    profile: profileSection(samples),
  };
}

type Picker = (s: BootSample) => number;

function perPass(samples: PerAgent<BootSample[]>, pick: Picker): PerAgent<number[]> {
  return { ours: samples.ours.map(pick), qemu: samples.qemu.map(pick) };
}

function rows(plan: VmPlan, samples: PerAgent<BootSample[]>): Row[] {
  const all = (kind: keyof PerAgent<unknown>, f: (s: BootSample) => number[]) =>
    samples[kind].flatMap(f);
  const floor = median([
    ...all("ours", (s) => s.floorStarts),
    ...all("qemu", (s) => s.floorStarts),
  ]);
  const row = (
    metric: string,
    values: PerAgent<number>,
    options: RowOptions,
  ): Row => ({ metric, ours: values.ours, qemu: values.qemu, ...options });
  const med = (pick: Picker): PerAgent<number> => {
    const v = perPass(samples, pick);
    return { ours: median(v.ours), qemu: median(v.qemu) };
  };
  const rtt = { ours: all("ours", (s) => s.rtt), qemu: all("qemu", (s) => s.rtt) };
  const memory = (label: string, pick: (s: BootSample) => { rss: number; anon: number }, t?: {
    rss?: Row["target"];
    anon?: Row["target"];
  }) => [
    row(`${label} RSS, MiB`, med((s) => mib(pick(s).rss)), {
      better: "lower",
      digits: 1,
      target: t?.rss,
    }),
    row(`${label} RssAnon, MiB`, med((s) => mib(pick(s).anon)), {
      better: "lower",
      digits: 1,
      target: t?.anon,
    }),
  ];
  const idleRss = med((s) => mib(s.idle.rss)).ours;
  const files = (what: "write" | "read") =>
    plan.chunkSizes.map((size) =>
      row(`guest-file-${what}, ${sizeLabel(size)} chunks, MiB/s`, med((s) => s[what].get(size)!), {
        better: "higher",
        digits: 1,
        target: { kind: "ratio", better: "higher", value: 3 },
      })
    );
  const n = plan.starts * plan.passes;
  return [
    row(
      `start → first reply, minimal Deno ping server (the floor), ms`,
      { ours: floor, qemu: NaN },
      {
        better: "lower",
        digits: 1,
      },
    ),
    row(`start → first reply, ms (median of ${n})`, {
      ours: median(all("ours", (s) => s.starts)),
      qemu: median(all("qemu", (s) => s.starts)),
    }, {
      better: "lower",
      digits: 1,
      target: floorTarget(floor),
    }),
    row(`guest-ping round trip, µs (median of ${rtt.ours.length})`, {
      ours: median(rtt.ours),
      qemu: median(rtt.qemu),
    }, { better: "lower", digits: 0, target: { kind: "ratio", better: "lower", value: 0.8 } }),
    row("guest-ping round trip, µs (p99)", {
      ours: percentile(rtt.ours, 99),
      qemu: percentile(rtt.qemu, 99),
    }, { better: "lower", digits: 0, target: { kind: "ratio", better: "lower", value: 1.5 } }),
    row("agent CPU per sequential guest-ping, µs", med((s) => s.sequential.cpuMicros), {
      better: "lower",
      digits: 0,
    }),
    row("thread context switches per sequential guest-ping", med((s) => s.sequential.total), {
      better: "lower",
      digits: 2,
    }),
    row(`pipelined guest-ping, ${plan.depth} in flight, requests/s`, {
      ours: median(all("ours", (s) => s.pipelineRates)),
      qemu: median(all("qemu", (s) => s.pipelineRates)),
    }, { better: "higher", digits: 0, target: { kind: "ratio", better: "higher", value: 1.5 } }),
    row("agent CPU per pipelined guest-ping, µs", med((s) => s.pipelined.cpuMicros), {
      better: "lower",
      digits: 0,
    }),
    row(`command mix (9 kinds), ${plan.depth} in flight, requests/s`, med((s) => s.mixRate), {
      better: "higher",
      digits: 0,
    }),
    row("agent CPU per command of the mix, µs", med((s) => s.mix.cpuMicros), {
      better: "lower",
      digits: 0,
    }),
    ...files("write"),
    ...files("read"),
    ...memory("idle", (s) => s.idle, { anon: { kind: "absolute", max: 12, text: "≤ 12 MiB" } }),
    ...memory("after the file transfers:", (s) => s.afterFiles),
    ...memory(`${plan.restMs / 1000} s after the file transfers:`, (s) => s.rested, {
      rss: {
        kind: "absolute",
        max: idleRss + 16,
        text: `≤ idle + 16 MiB (${(idleRss + 16).toFixed(1)})`,
      },
    }),
  ];
}

type RowOptions = Pick<Row, "better" | "digits" | "target">;

/** How many round trips were slow, how far apart (in pings) and how slow, over every boot. */
function tail(boots: BootSample[]): string {
  let slow = 0;
  let total = 0;
  let runs = 0;
  const gaps: number[] = [];
  const times: number[] = [];
  for (const { rtt } of boots) {
    const limit = 4 * median(rtt);
    let last = -1;
    rtt.forEach((t, i) => {
      if (t <= limit) return;
      slow++;
      times.push(t);
      if (last >= 0) gaps.push(i - last);
      if (last === i - 1) runs++;
      last = i;
    });
    total += rtt.length;
  }
  return `${slow} of ${total}, median ${median(times).toFixed(0)} µs, median gap ` +
    `${median(gaps).toFixed(0)} pings, ${Math.round((100 * runs) / Math.max(1, slow))} % right ` +
    "after another slow one";
}

function notes(
  plan: VmPlan,
  samples: PerAgent<BootSample[]>,
  guest: { boots: number[]; clocksources: string[]; hugepages: string[]; loads: string[] },
): string[] {
  const boots = guest.boots;
  const f = (xs: number[], d = 1) => xs.map((x) => x.toFixed(d)).join(", ");
  const pass = (label: string, pick: Picker, d = 1) => {
    const v = perPass(samples, pick);
    return `${label}: ${f(v.ours, d)} | ${f(v.qemu, d)}`;
  };
  const drift = Math.max(...[...samples.ours, ...samples.qemu].map((s) => s.clockDriftMs));
  return [
    `guest: the VM suite's x86_64 guest (QEMU pc machine under TCG, 2 vCPUs, 1 GiB), both agents ` +
    "on its virtio-serial port org.qemu.guest_agent.0 as the guest starts them (default " +
    "options), the host's client on QEMU's chardev socket; one boot per agent and pass, " +
    `${plan.passes} pass(es), alternating; guest shell up ${f(boots.map((b) => b / 1000))} s ` +
    `after QEMU started; guest clock source ${guest.clocksources.join(", ")}` +
    (guest.clocksources.every((c) => c === "tsc")
      ? ""
      : " (not tsc: every clock read is a system call in the guest, no vDSO)") +
    `; transparent huge pages: ${guest.hugepages.join(", ")}.`,
    "start → first reply: the guest reads its clock (busybox adjtimex) and execs the program; " +
    "a guest-ping queued on the port before is answered; the host's arrival time is put on " +
    "the guest's clock through the reference qemu-ga's guest-get-time (offset taken before " +
    `and after each start, at most ${drift.toFixed(2)} ms apart); one warm-up start each.`,
    `round trips: ${plan.warmupPings} warm-up then ${plan.rttPings} sequential pings per boot; ` +
    "context switches: every thread's voluntary + involuntary switches around them; CPU: the " +
    "threads' scheduler run time (/proc/<pid>/task/*/schedstat).",
    `file transfers: ${mib(plan.fileSize)} MiB per chunk size and boot, written once then read ` +
    `${plan.readReps} time(s) (median), in the guest's RAM-backed /tmp, timed from the first ` +
    "request to the last reply (open/close untimed); content verified once per boot; memory " +
    "read through the guest shell.",
    `the slow round trips (over 4× the boot's median): qga-deno ${tail(samples.ours)}; ` +
    `qemu-ga ${tail(samples.qemu)}.`,
    "host CPU used by other processes while each boot was measured (QEMU and the benchmark " +
    `excluded), in cores of ${navigator.hardwareConcurrency}: ${guest.loads.join(", ")}.`,
    "per pass (qga-deno | qemu-ga): " + [
      pass("start ms", (s) => median(s.starts)),
      pass("ping median µs", (s) => median(s.rtt), 0),
      pass("ping p99 µs", (s) => percentile(s.rtt, 99), 0),
      pass("pipelined req/s", (s) => median(s.pipelineRates), 0),
      ...plan.chunkSizes.map((c) => pass(`read ${sizeLabel(c)} MiB/s`, (s) => s.read.get(c)!)),
      ...plan.chunkSizes.map((c) => pass(`write ${sizeLabel(c)} MiB/s`, (s) => s.write.get(c)!)),
      pass("idle RssAnon MiB", (s) => mib(s.idle.anon)),
      pass(`RSS ${plan.restMs / 1000} s after files MiB`, (s) => mib(s.rested.rss)),
    ].join("; ") + ".",
  ];
}
