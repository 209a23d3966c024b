#!/bin/sh
# Starts an agent in the background and records its pid in /run/agent-<role>.pid.
#   start_agent.sh test [deno|qemu-ga [DENO-RUN-ARGUMENTS...]]
#                         the agent under test on org.qemu.guest_agent.0, with its defaults
#                         (method virtio-serial, that port, statedir /var/run): qga-deno, or
#                         qemu-ga when the kernel command line says qga_vm.agent=qemu-ga (or the
#                         second argument names it: the libvirt suite swaps agents on that port);
#                         qga-deno runs as `deno run -q -P main.ts`, or with the arguments after
#                         `deno` instead (a deno.json start task's, e.g. start:files's flags,
#                         main.ts, --profile=files); the caller's environment is passed on
#   start_agent.sh ref    Debian's qemu-ga 7.2 on org.qemu.guest_agent.1, statedir /run/qga-ref
# Both log to the console.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
role=$1
kind=deno
grep -q 'qga_vm.agent=qemu-ga' /proc/cmdline && kind=qemu-ga
[ -n "$2" ] && kind=$2
if [ $# -gt 2 ]; then shift 2; else set -- -q -P main.ts; fi
case $role in
test)
  if [ "$kind" = qemu-ga ]; then
    /usr/sbin/qemu-ga </dev/null >/dev/console 2>&1 &
  else
    dir=$(cat /etc/vm/agent-dir)
    (cd "$dir" && exec env DENO_DIR=/var/cache/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 \
      /usr/bin/deno run "$@") </dev/null >/dev/console 2>&1 &
  fi
  ;;
ref)
  mkdir -p /run/qga-ref
  /usr/sbin/qemu-ga -p /dev/virtio-ports/org.qemu.guest_agent.1 -t /run/qga-ref \
    </dev/null >/dev/console 2>&1 &
  ;;
*)
  echo "usage: $0 test|ref" >&2
  exit 2
  ;;
esac
echo $! > "/run/agent-$role.pid"
