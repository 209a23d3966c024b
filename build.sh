#!/usr/bin/env bash
# Builds one self-contained qga-deno binary per target into dist/, for one profile (full, files,
# readonly), with that profile's Deno permission flags and its `--profile=NAME` argument baked in.
# The flags come from src/policy/deno_permissions.ts — the same sets as deno.json's `default`,
# `files` and `readonly`, which `deno task start`, `start:files` and `start:readonly` run with — so
# what you audit there is exactly what the binary may touch.
#
# Usage: ./build.sh [--profile NAME] [--exec-allow PROG[,PROG]] [--dry-run] [TARGET ...]
#   --profile NAME        full (default: qemu-ga parity, unconfined), files or readonly
#   --exec-allow PROGS    files profile: programs guest-exec may start (absolute paths, repeatable);
#                         added to the Deno run grant and baked in as --exec-allow=PROGS
#   --dry-run             everything but `deno compile`: the policy JSON (sha256 null), the unit
#   TARGET defaults to: x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
#   DENORT_BIN=/path/to/denort   use a local Deno runtime instead of downloading it (one target)
#
# Writes, per target, dist/qemu-ga-<arch> (full) or dist/qemu-ga-<profile>-<arch> and next to it
# <binary>.policy.json (`--print-policy --json` of the same code under the same flags, plus the
# binary's sha256); and dist/qga-deno-<profile>.service with dist/99-qga-deno.rules.
set -euo pipefail
cd "$(dirname "$0")"

die() {
  echo "build.sh: $*" >&2
  exit 2
}

profile=""
exec_allow=""
dry_run=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile | --exec-allow)
      if [ $# -lt 2 ] || [[ $2 == -* ]]; then die "$1 needs a value"; fi
      set -- "$1=$2" "${@:3}"
      ;;
    --profile=*)
      [ -z "$profile" ] || [ "$profile" = "${1#*=}" ] || die "one profile per build ($profile, then ${1#*=})"
      profile=${1#*=}
      shift
      ;;
    --exec-allow=*)
      exec_allow=${exec_allow:+$exec_allow,}${1#*=}
      shift
      ;;
    --dry-run)
      dry_run=1
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option '$1' (see ./build.sh --help)" ;;
    *)
      targets+=("$1")
      shift
      ;;
  esac
done
profile=${profile:-full}
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)

if ! command -v deno >/dev/null 2>&1; then
  echo "build.sh: deno is not installed (npm install -g deno@2.9.6)" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  case "$target" in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) ;;
    *) die "unknown target '$target' (x86_64-unknown-linux-gnu or aarch64-unknown-linux-gnu)" ;;
  esac
done
if [ -n "${DENORT_BIN:-}" ] && [ "$dry_run" = 0 ]; then
  if [ ! -x "$DENORT_BIN" ]; then
    echo "build.sh: DENORT_BIN=$DENORT_BIN is not an executable file" >&2
    exit 1
  fi
  if [ ${#targets[@]} -ne 1 ]; then
    echo "build.sh: DENORT_BIN is one runtime for one target; name that target, e.g." >&2
    echo "  DENORT_BIN=$DENORT_BIN ./build.sh ${profile:+--profile $profile }x86_64-unknown-linux-gnu" >&2
    exit 1
  fi
fi

# The profile's permission flags, one per line (src/policy/deno_permissions.ts); a profile or
# program list the policy cannot take is refused here with the reason.
# shellcheck disable=SC2016 # TypeScript, not shell
flags_script='
import { denoFlags, permissionSet } from "./src/policy/deno_permissions.ts";
import { isProfileName, PROFILE_NAMES, PROFILES } from "./src/policy/profiles.ts";
const [name, list] = Deno.args;
const fail = (text: string) => { console.error(`build.sh: ${text}`); Deno.exit(2); };
if (!isProfileName(name)) fail(`unknown profile ${JSON.stringify(name)} (profiles: ${PROFILE_NAMES.join(", ")})`);
const profile = PROFILES[name];
const programs = list === "" ? [] : list.split(",");
if (programs.length > 0 && profile.exec === "any") fail(`the ${name} profile runs any program; --exec-allow belongs to the files profile`);
if (programs.length > 0 && profile.excluded.has("guest-exec")) fail(`the ${name} profile has no guest-exec; --exec-allow cannot add it`);
for (const p of programs) if (!/^\/[^\s,]*[^/\s,]$/.test(p)) fail(`--exec-allow ${JSON.stringify(p)}: name each program by its absolute path`);
console.log(denoFlags(permissionSet(name, programs)).join("\n"));
'
flags_text=$(deno eval "$flags_script" -- "$profile" "$exec_allow") || exit 2
mapfile -t perm_flags <<<"$flags_text"

# The V8 flags are the start task's (deno.json), so that the binaries run as `deno task start`
# does: a small young generation (RSS stays near idle under load), `gc()` for the serve loop's
# garbage budget (src/agent/serve.ts), and a small pool of freed large pages.
v8_flags=$(sed -n 's/.*"start": *"[^"]*\(--v8-flags=[^ "]*\).*/\1/p' deno.json)
if [ -z "$v8_flags" ]; then
  echo "build.sh: no --v8-flags=… in the start task of deno.json" >&2
  exit 1
fi
# Everything that shapes the runtime: permissions (never -A), no remote imports (deno compile
# would otherwise embed its default import allow-list), no prompts, V8 flags. --no-config:
# nothing else from deno.json reaches the binary or the policy run.
run_flags=(--no-config "${perm_flags[@]}" --deny-import --no-prompt "$v8_flags")
# Baked after the module: the profile (the first --profile fixes it) and the listed programs.
baked=("--profile=$profile")
[ -z "$exec_allow" ] || baked+=("--exec-allow=$exec_allow")

mkdir -p dist
# The systemd unit and udev rule for this profile (src/policy/systemd_unit.ts), first: a program
# path it cannot take is refused before anything is built.
# shellcheck disable=SC2016 # TypeScript, not shell
unit_script='
import { GUEST_BINARY, systemdUnit, UDEV_RULE } from "./src/policy/systemd_unit.ts";
const [profile, list, unit, rule] = Deno.args;
const execAllow = list === "" ? [] : list.split(",");
try {
  Deno.writeTextFileSync(unit, systemdUnit(profile as "files", { binary: GUEST_BINARY, execAllow }));
} catch (error) {
  console.error(`build.sh: ${(error as Error).message}`);
  Deno.exit(2);
}
Deno.writeTextFileSync(rule, UDEV_RULE);
'
deno eval "$unit_script" -- "$profile" "$exec_allow" "dist/qga-deno-$profile.service" dist/99-qga-deno.rules ||
  exit 2
echo "build.sh: wrote dist/qga-deno-$profile.service and dist/99-qga-deno.rules"

# The binaries embed one bundled module (`deno task bundle`: dist/qga-deno.js) rather than the
# source tree: one module instead of ~100 starts with ~2 MiB less resident memory, and it is the
# form `deno task bench` measures.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! deno task -q bundle >"$work/bundle.log" 2>&1; then
  echo "build.sh: deno bundle failed:" >&2
  sed -n '1,20p' "$work/bundle.log" >&2
  exit 1
fi

# The policy the binaries print (`--print-policy --json`): the bundle under the same flags and
# arguments, with this machine's defaults (no LISTEN_*, QGA_CONF unset: /etc/qemu/qemu-ga.conf).
config_note="/etc/qemu/qemu-ga.conf (absent here)"
if [ -e /etc/qemu/qemu-ga.conf ]; then
  config_note="/etc/qemu/qemu-ga.conf of this machine (present: its keys narrow this report)"
  echo "build.sh: note: /etc/qemu/qemu-ga.conf on this machine shapes the policy JSON" >&2
fi
if ! env -u QGA_CONF -u LISTEN_PID -u LISTEN_FDS -u LISTEN_FDNAMES -u QGA_DENO_LANDLOCKED \
  -u QGA_DENO_DAEMON_CHILD -u QGA_OS_RELEASE timeout 60 \
  deno run -q "${run_flags[@]}" dist/qga-deno.js "${baked[@]}" --print-policy --json \
  >"$work/policy.json" 2>"$work/policy.log" ||
  ! deno eval 'JSON.parse(Deno.readTextFileSync(Deno.args[0]))' -- "$work/policy.json" 2>/dev/null; then
  echo "build.sh: --print-policy --json did not print the policy:" >&2
  sed -n '1,20p' "$work/policy.log" "$work/policy.json" >&2
  exit 1
fi

# Adds the binary's identity and says which fields describe this machine, not the guest.
# shellcheck disable=SC2016 # TypeScript, not shell
policy_script='
const [report, out, path, sha256, target, flags, args, kernel, uid, config] = Deno.args;
const policy = JSON.parse(Deno.readTextFileSync(report));
const binary = { path, sha256: sha256 === "" ? null : sha256, target,
  denoFlags: JSON.parse(flags), args: JSON.parse(args) };
const measuredOn = {
  machine: "build machine",
  note: "these fields come from running the bundle with deno run on the machine build.sh ran " +
    "on, not from the guest: run the binary with --print-policy --json in the guest for its own",
  kernel, uid: Number(uid), config,
  fields: ["landlock.status", "landlock.abi", "landlock.rules", "capabilities.held",
    "capabilities.kept", "fileRoots[].usable", "ownFiles.executable",
    `commands[].enabled and .reason, except the reasons "not in the ${policy.profile.name} profile: …"`],
};
Deno.writeTextFileSync(out, JSON.stringify({ binary, ...policy, measuredOn }, null, 2) + "\n");
'
to_json() { deno eval 'console.log(JSON.stringify(Deno.args))' -- "$@"; }
flags_json=$(to_json "${run_flags[@]:1}")
args_json=$(to_json "${baked[@]}")

name="qemu-ga"
[ "$profile" = full ] || name="qemu-ga-$profile"
status=0
for target in "${targets[@]}"; do
  out="dist/$name-${target%%-*}"
  rm -f "$out.policy.json"
  sha256=""
  if [ "$dry_run" = 1 ]; then
    echo "build.sh: dry run: not compiling $out for $target"
  else
    echo "build.sh: compiling $out for $target"
    log="$work/compile-${target%%-*}.log"
    if deno compile -q "${run_flags[@]}" --target "$target" --output "$out" dist/qga-deno.js "${baked[@]}" >"$log" 2>&1; then
      echo "build.sh: built $out"
      sha256=$(sha256sum "$out" | cut -d' ' -f1)
    else
      status=1
      if grep -qiE "dns error|failed to lookup address|error sending request|download" "$log"; then
        echo "build.sh: could not download the Deno runtime (denort) for $target." >&2
        echo "  This machine has no route to the Deno CDN. Point DENORT_BIN at a local denort" >&2
        echo "  binary for that target (from the matching denort-<target>.zip release asset):" >&2
        echo "  DENORT_BIN=/path/to/denort ./build.sh --profile $profile $target" >&2
      else
        echo "build.sh: deno compile failed for $target:" >&2
        sed -n '1,20p' "$log" >&2
      fi
      continue
    fi
  fi
  deno eval "$policy_script" -- "$work/policy.json" "$out.policy.json" "$out" "$sha256" "$target" \
    "$flags_json" "$args_json" "$(uname -r)" "$(id -u)" "$config_note"
  echo "build.sh: wrote $out.policy.json"
done

exit $status
