#!/usr/bin/env bash
# Builds one self-contained qga-deno binary per target into dist/, with the agent's permission
# flags baked in. The flags come from the "permissions.default" set in deno.json — the same set
# `deno task start` runs with — so what you audit there is exactly what the binary may touch.
#
# Usage: ./build.sh [TARGET ...]
#   TARGET defaults to: x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
#   DENORT_BIN=/path/to/denort   use a local Deno runtime instead of downloading it (one target)
set -euo pipefail
cd "$(dirname "$0")"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)

if ! command -v deno >/dev/null 2>&1; then
  echo "build.sh: deno is not installed (npm install -g deno@2.9.6)" >&2
  exit 1
fi
if [ -n "${DENORT_BIN:-}" ]; then
  if [ ! -x "$DENORT_BIN" ]; then
    echo "build.sh: DENORT_BIN=$DENORT_BIN is not an executable file" >&2
    exit 1
  fi
  if [ ${#targets[@]} -ne 1 ]; then
    echo "build.sh: DENORT_BIN is one runtime for one target; name that target, e.g." >&2
    echo "  DENORT_BIN=$DENORT_BIN ./build.sh x86_64-unknown-linux-gnu" >&2
    exit 1
  fi
fi

# The V8 flags are the start task's (deno.json), so that the binaries run as `deno task start`
# does: a small young generation (RSS stays near idle under load), `gc()` for the serve loop's
# garbage budget (src/agent/serve.ts), and a small pool of freed large pages.
v8_flags=$(sed -n 's/.*"start": *"[^"]*\(--v8-flags=[^ "]*\).*/\1/p' deno.json)
if [ -z "$v8_flags" ]; then
  echo "build.sh: no --v8-flags=… in the start task of deno.json" >&2
  exit 1
fi

# The binaries embed one bundled module (`deno task bundle`: dist/qga-deno.js) rather than the
# source tree: one module instead of ~100 starts with ~2 MiB less resident memory, and it is the
# form `deno task bench` measures.
mkdir -p dist
bundle_log=$(mktemp)
trap 'rm -f "$bundle_log"' EXIT
if ! deno task -q bundle >"$bundle_log" 2>&1; then
  echo "build.sh: deno bundle failed:" >&2
  sed -n '1,20p' "$bundle_log" >&2
  exit 1
fi
status=0
for target in "${targets[@]}"; do
  out="dist/qemu-ga-${target%%-*}"
  echo "build.sh: compiling $out for $target"
  log=$(mktemp)
  # -P: the permission set from deno.json (never -A); the V8 flags are the start task's.
  if deno compile -q --config deno.json -P "$v8_flags" --target "$target" --output "$out" dist/qga-deno.js >"$log" 2>&1; then
    echo "build.sh: built $out"
  else
    status=1
    if grep -qiE "dns error|failed to lookup address|error sending request|download" "$log"; then
      echo "build.sh: could not download the Deno runtime (denort) for $target." >&2
      echo "  This machine has no route to the Deno CDN. Point DENORT_BIN at a local denort" >&2
      echo "  binary for that target (from the matching denort-<target>.zip release asset):" >&2
      echo "  DENORT_BIN=/path/to/denort ./build.sh $target" >&2
    else
      echo "build.sh: deno compile failed for $target:" >&2
      sed -n '1,20p' "$log" >&2
    fi
  fi
  rm -f "$log"
done
exit $status
