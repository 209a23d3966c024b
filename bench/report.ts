/**
 * The benchmark report: a markdown table with both agents, the ratio ours/qemu-ga, which
 * direction is better, and the target for the row, plus the machine it ran on.
 *
 * @module
 */

/** Which way a metric improves. */
export type Better = "lower" | "higher";

/** A target a row is checked against. */
export type Target =
  | { kind: "ratio"; better: Better; value: number }
  | { kind: "absolute"; max: number; text: string };

/** One line of the table. */
export interface Row {
  /** What was measured, with its unit. */
  metric: string;
  /** qga-deno's value. */
  ours: number;
  /** qemu-ga's value. */
  qemu: number;
  /** Which direction is better. */
  better: Better;
  /** Digits after the decimal point when printing the values. */
  digits: number;
  /** The target, if any. */
  target?: Target;
}

/** Where and when the benchmark ran. */
export interface Machine {
  /** ISO date and time of the start. */
  date: string;
  /** Logical CPUs. */
  nproc: number;
  /** `model name` of the first CPU in /proc/cpuinfo. */
  cpu: string;
  /** Kernel release. */
  kernel: string;
  /** Deno and V8 versions. */
  deno: string;
  /** `qemu-ga -V`. */
  qemuGa: string;
  /** Load averages (1, 5, 15 min) when the run started. */
  load: number[];
}

/**
 * Collects the machine description.
 *
 * @param qemuGaPath The qemu-ga binary (asked for its version).
 * @returns The description.
 */
export async function describeMachine(qemuGaPath: string): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const version = await new Deno.Command(qemuGaPath, { args: ["-V"], stderr: "null" }).output()
    .then((o) => new TextDecoder().decode(o.stdout).trim().split("\n")[0] ?? "")
    .catch(() => "unknown");
  return {
    date: new Date().toISOString(),
    nproc: navigator.hardwareConcurrency,
    cpu: model,
    kernel: Deno.osRelease(),
    deno: `${Deno.version.deno} (V8 ${Deno.version.v8})`,
    qemuGa: version,
    load: Deno.loadavg(),
  };
}

/** True when ours meets the row's target. */
export function meetsTarget(row: Row): boolean | undefined {
  const target = row.target;
  if (!target) return undefined;
  if (target.kind === "absolute") return row.ours <= target.max;
  const ratio = row.ours / row.qemu;
  return target.better === "lower" ? ratio <= target.value : ratio >= target.value;
}

function targetText(target: Target | undefined): string {
  if (!target) return "";
  if (target.kind === "absolute") return target.text;
  return `${target.better === "lower" ? "≤" : "≥"} ${target.value}×`;
}

function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * Renders the report as markdown.
 *
 * @param machine Where it ran.
 * @param options The rows, free-form notes, and the run time.
 * @returns The markdown text.
 */
export function renderReport(
  machine: Machine,
  options: { rows: readonly Row[]; notes: readonly string[]; seconds: number; mode: string },
): string {
  const lines = [
    `## qga-deno vs qemu-ga benchmark (${options.mode})`,
    "",
    `- date: ${machine.date}`,
    `- machine: ${machine.nproc} CPUs, ${machine.cpu}, Linux ${machine.kernel}, ` +
    `load average ${machine.load.map((l) => l.toFixed(2)).join(" ")} at start`,
    `- Deno ${machine.deno}; reference: ${machine.qemuGa}`,
    `- run time: ${options.seconds.toFixed(1)} s`,
    "",
    "| metric | qga-deno | qemu-ga 7.2 | ours/qemu-ga | better | target | met |",
    "|---|--:|--:|--:|---|---|---|",
  ];
  for (const row of options.rows) {
    const met = meetsTarget(row);
    lines.push(
      `| ${row.metric} | ${format(row.ours, row.digits)} | ${format(row.qemu, row.digits)} | ` +
        `${format(row.ours / row.qemu, 2)}× | ${row.better} | ${targetText(row.target)} | ` +
        `${met === undefined ? "" : met ? "yes" : "**no**"} |`,
    );
  }
  if (options.notes.length > 0) lines.push("", ...options.notes.map((n) => `- ${n}`));
  return lines.join("\n") + "\n";
}

/** The start-up target: within 10 ms of the minimal Deno ping server's start (`floor`, ms). */
export function floorTarget(floor: number): Target {
  return {
    kind: "absolute",
    max: floor + 10,
    text: `≤ floor + 10 ms (${(floor + 10).toFixed(1)})`,
  };
}
