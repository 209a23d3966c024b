/**
 * The benchmark suite. Every phase alternates between the two agents (ours first on even
 * rounds, qemu-ga first on odd ones) so that background load hits both alike; results are
 * medians. Phases, in order:
 *
 * 1. one long-lived process pair (after one discarded start of qga-deno, whose first run of a fresh
 *    bundle writes Deno's code cache): idle memory (1.5 s after the first reply), sequential
 *    guest-ping round trips, pipelined guest-ping throughput, then a pipelined mix of commands
 *    up to the command budget, and memory 1 s later;
 * 2. start → first reply on fresh processes, and of the minimal Deno ping server (`ping_floor.js`,
 *    the floor), one discarded warm-up start each, while the pair idles; then the pair's memory
 *    "at rest", once V8's memory reducer has run (or the plan's wait is over);
 * 3. guest-file-write and guest-file-read through the pair (see `files.ts`), and memory right
 *    after and 3 s later.
 *
 * @module
 */

import { sleep, waitFor } from "../tests/helpers/async.ts";
import { cpuSeconds } from "../tests/helpers/proc.ts";
import { AGENT_KINDS, floorStart, type Memory, PING, RunningAgent } from "./agents.ts";
import { measureFiles } from "./files.ts";
import { pipeline, roundTrips } from "./measure.ts";
import type { Plan } from "./plan.ts";
import { floorTarget, type Row } from "./report.ts";
import { median, percentile } from "./stats.ts";
import { mib, order, type PerAgent, perAgent, progress } from "./_util.ts";

const encoder = new TextEncoder();
/** Wait after the file transfers before the second memory reading (the "3 s later"). */
const FILES_REST_MS = 3000;

/** Commands of the mix that tops the command count up (each answers one line in both agents). */
export const COMMAND_MIX: readonly Uint8Array[] = [
  `{"execute":"guest-ping"}`,
  `{"execute":"guest-sync","arguments":{"id":12345}}`,
  `{"execute":"guest-get-time"}`,
  `{"execute":"guest-info"}`,
  `{"execute":"guest-fsfreeze-status"}`,
  `{"execute":"guest-get-vcpus"}`,
  `{"execute":"guest-network-get-interfaces"}`,
  `{"execute":"guest-no-such-command"}`,
  `{"execute":"guest-file-read","arguments":{"handle":999999}}`,
].map((text) => encoder.encode(text));

/** What the suite measured, as table rows plus notes. */
export interface SuiteResult {
  /** The table rows. */
  rows: Row[];
  /** Remarks printed under the table. */
  notes: string[];
}

/** Start-up times of both agents and of the minimal Deno ping server (the floor). */
interface Starts {
  /** Per agent, ms. */
  agents: PerAgent<number[]>;
  /** The floor's, ms. */
  floor: number[];
}

async function measureStarts(plan: Plan, dir: string): Promise<Starts> {
  progress(`starts: ${plan.starts} per agent and of the Deno floor (+1 warm-up each)`);
  await Deno.mkdir(dir, { recursive: true });
  const agents = perAgent<number[]>(() => []);
  const floor: number[] = [];
  for (let round = -1; round < plan.starts; round++) {
    const floorMs = await floorStart(dir);
    if (round >= 0) floor.push(floorMs);
    for (const kind of order(round)) {
      const agent = await RunningAgent.start(kind, dir);
      const { code, stderr } = await agent.stop();
      if (code !== 0) progress(`${kind} exited with status ${code} after a start: ${stderr}`);
      if (round >= 0) agents[kind].push(agent.startMs);
    }
  }
  return { agents, floor };
}

function memories(agents: PerAgent<RunningAgent>): PerAgent<Memory> {
  return { ours: agents.ours.memory(), qemu: agents.qemu.memory() };
}

/** Sequential and pipelined pings, then the command mix; counts into `commands`. */
function measureRequests(
  plan: Plan,
  agents: PerAgent<RunningAgent>,
  commands: PerAgent<number>,
) {
  progress(`ping round trips: ${plan.rttBlocks} × ${plan.rttBlock} per agent`);
  const rtt = perAgent<number[]>(() => []);
  for (const kind of AGENT_KINDS) {
    roundTrips(agents[kind].client, { request: PING, count: plan.warmupPings, samples: [] });
    commands[kind] += plan.warmupPings;
  }
  for (let round = 0; round < plan.rttBlocks; round++) {
    for (const kind of order(round)) {
      const samples = rtt[kind];
      roundTrips(agents[kind].client, { request: PING, count: plan.rttBlock, samples });
      commands[kind] += plan.rttBlock;
    }
  }
  progress(`pipelined pings: ${plan.pipelineRounds} × ${plan.pipelineRound}, ${plan.depth} deep`);
  const rate = perAgent<number[]>(() => []);
  const cpuPerPing = perAgent<number[]>(() => []);
  for (let round = 0; round < plan.pipelineRounds; round++) {
    for (const kind of order(round)) {
      const cpu0 = cpuSeconds(agents[kind].pid);
      const seconds = pipeline(agents[kind].client, {
        requests: [PING],
        total: plan.pipelineRound,
        depth: plan.depth,
      });
      const cpu = cpuSeconds(agents[kind].pid) - cpu0;
      rate[kind].push(plan.pipelineRound / seconds);
      cpuPerPing[kind].push((cpu / plan.pipelineRound) * 1e6);
      commands[kind] += plan.pipelineRound;
    }
  }
  progress(`command mix up to ${plan.commands} commands per agent`);
  const cpuPerMix = perAgent(() => NaN);
  const mixCount = perAgent(() => 0);
  for (const kind of AGENT_KINDS) {
    const total = plan.commands - commands[kind];
    if (total <= 0) continue;
    const cpu0 = cpuSeconds(agents[kind].pid);
    pipeline(agents[kind].client, { requests: COMMAND_MIX, total, depth: plan.depth });
    cpuPerMix[kind] = ((cpuSeconds(agents[kind].pid) - cpu0) / total) * 1e6;
    mixCount[kind] = total;
    commands[kind] += total;
  }
  return { rtt, rate, cpuPerPing, cpuPerMix, mixCount };
}

/**
 * Waits until ours' anonymous memory has dropped by a quarter from `peak` (V8's memory reducer
 * ran) or until `deadline`, polling every second.
 */
async function waitForRest(
  agents: PerAgent<RunningAgent>,
  options: { peak: Memory; deadline: number },
): Promise<PerAgent<Memory>> {
  const reduced = () => agents.ours.memory().anon <= options.peak.anon * 0.75;
  await waitFor(reduced, options.deadline - performance.now(), 1000);
  return memories(agents);
}

function row(
  metric: string,
  values: PerAgent<number>,
  options: Pick<Row, "better" | "digits" | "target">,
): Row {
  return { metric, ours: values.ours, qemu: values.qemu, ...options };
}

function medians(values: PerAgent<number[]>): PerAgent<number> {
  return { ours: median(values.ours), qemu: median(values.qemu) };
}

function memoryRows(
  label: string,
  memory: PerAgent<Memory>,
  targets: { rss?: Row["target"]; anon?: Row["target"] } = {},
): Row[] {
  const rss = { ours: mib(memory.ours.rss), qemu: mib(memory.qemu.rss) };
  const anon = { ours: mib(memory.ours.anon), qemu: mib(memory.qemu.anon) };
  return [
    row(`${label}, MiB`, rss, { better: "lower", digits: 1, target: targets.rss }),
    row(`${label.replace("RSS", "RssAnon")}, MiB`, anon, {
      better: "lower",
      digits: 1,
      target: targets.anon,
    }),
  ];
}

/**
 * Runs every phase.
 *
 * @param plan How much work to do.
 * @param dir An empty scratch directory (sockets, state, files).
 * @returns The rows and notes of the report.
 */
export async function runSuite(plan: Plan, dir: string): Promise<SuiteResult> {
  progress("starting the long-lived pair");
  const pairDir = `${dir}/pair`;
  await Deno.mkdir(pairDir);
  const started: Partial<PerAgent<RunningAgent>> = {};
  try {
    // One start and stop first: the first run of a freshly built bundle also writes Deno's code
    // cache (≈ 8 MiB more anonymous memory for a while), which no later start of it does.
    const warmUp = await RunningAgent.start("ours", pairDir);
    await warmUp.stop();
    for (const kind of AGENT_KINDS) started[kind] = await RunningAgent.start(kind, pairDir);
    const agents = started as PerAgent<RunningAgent>;
    const commands = perAgent(() => 1);
    await sleep(1500);
    const idle = memories(agents);
    const requests = measureRequests(plan, agents, commands);
    await sleep(1000);
    const afterCommands = memories(agents);
    const commandsDone = performance.now();
    const starts = await measureStarts(plan, `${dir}/starts`);
    let atRest: PerAgent<Memory> | undefined;
    if (plan.restWaitMs > 0) {
      progress("waiting for the pair's memory at rest");
      atRest = await waitForRest(agents, {
        peak: afterCommands.ours,
        deadline: commandsDone + plan.restWaitMs,
      });
    }
    const restSeconds = (performance.now() - commandsDone) / 1000;
    const files = measureFiles(plan, { dir: pairDir, agents });
    const afterFiles = memories(agents);
    await sleep(FILES_REST_MS);
    const restFiles = memories(agents);

    const n = plan.commands.toLocaleString("en-US");
    const budget = mib(idle.ours.rss) + 16;
    const commandTarget: Row["target"] = {
      kind: "absolute",
      max: budget,
      text: `≤ idle + 16 MiB (${budget.toFixed(1)})`,
    };
    const floor = median(starts.floor);
    const rows: Row[] = [
      row(
        "start → first reply, minimal Deno ping server (the floor), ms",
        { ours: floor, qemu: NaN },
        { better: "lower", digits: 1 },
      ),
      row(`start → first reply, ms (median of ${plan.starts})`, medians(starts.agents), {
        better: "lower",
        digits: 1,
        target: floorTarget(floor),
      }),
      row(
        `guest-ping round trip, µs (median of ${plan.rttBlocks * plan.rttBlock})`,
        medians(requests.rtt),
        { better: "lower", digits: 1, target: { kind: "ratio", better: "lower", value: 0.8 } },
      ),
      row(
        "guest-ping round trip, µs (p99)",
        { ours: percentile(requests.rtt.ours, 99), qemu: percentile(requests.rtt.qemu, 99) },
        { better: "lower", digits: 1, target: { kind: "ratio", better: "lower", value: 1.5 } },
      ),
      row(
        `pipelined guest-ping, ${plan.depth} in flight, requests/s (median of ${plan.pipelineRounds})`,
        medians(requests.rate),
        { better: "higher", digits: 0, target: { kind: "ratio", better: "higher", value: 1.5 } },
      ),
      row("agent CPU per pipelined guest-ping, µs", medians(requests.cpuPerPing), {
        better: "lower",
        digits: 1,
      }),
      row(
        `agent CPU per command of the mix (${COMMAND_MIX.length} kinds), µs`,
        requests.cpuPerMix,
        {
          better: "lower",
          digits: 1,
        },
      ),
      ...files,
      ...memoryRows("idle RSS", idle, {
        anon: { kind: "absolute", max: 12, text: "≤ 12 MiB" },
      }),
      ...memoryRows(`RSS 1 s after ${n} commands`, afterCommands, { rss: commandTarget }),
      ...(atRest
        ? memoryRows(`RSS ${restSeconds.toFixed(0)} s after ${n} commands (at rest)`, atRest, {
          rss: commandTarget,
        })
        : []),
      ...memoryRows("RSS after the file transfers", afterFiles),
      ...memoryRows(`RSS ${FILES_REST_MS / 1000} s after the file transfers`, restFiles, {
        rss: commandTarget,
      }),
    ];
    return {
      rows,
      notes: notes(plan, {
        starts: starts.agents,
        floor: starts.floor,
        commands,
        mixCount: requests.mixCount,
      }),
    };
  } finally {
    for (const kind of AGENT_KINDS) {
      const agent = started[kind];
      if (!agent) continue;
      const { code, stderr } = await agent.stop();
      if (code !== 0) progress(`${kind} exited with status ${code}: ${stderr}`);
    }
  }
}

function notes(
  plan: Plan,
  data: {
    starts: PerAgent<number[]>;
    floor: number[];
    commands: PerAgent<number>;
    mixCount: PerAgent<number>;
  },
): string[] {
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} ms`;
  const result = [
    `start → first reply: spawn to the first complete guest-ping reply (connect retried every ` +
    `100 µs); ranges: qga-deno ${range(data.starts.ours)}, qemu-ga ${range(data.starts.qemu)}, ` +
    `the floor ${
      range(data.floor)
    } (bench/ping_floor.js: \`deno run -A\` with qga-deno's V8 flags, ` +
    'answering any JSON object with `{"return": {}}`, no parsing, no FFI).',
    `commands before the memory readings: ${data.commands.ours} each (1 first ping, ` +
    `${plan.warmupPings} warm-up, ${plan.rttBlocks * plan.rttBlock} sequential and ` +
    `${
      plan.pipelineRounds * plan.pipelineRound
    } pipelined pings, ${data.mixCount.ours} of the mix).`,
    `file transfers: ${mib(plan.fileSize)} MiB, median of ${plan.fileReps} pass(es), timed from ` +
    "the first request to the last reply (open/close untimed); content verified once per agent.",
  ];
  try {
    Deno.lstatSync("/dev/log");
  } catch {
    result.push(
      "no /dev/log here: each audit line (qemu-ga's slog, e.g. for every guest-ping) costs a " +
        "syslog() that opens a socket and fails to connect (about 9 µs) in both agents.",
    );
  }
  return result;
}
