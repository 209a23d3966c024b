#!/bin/sh
# The harness's command channel on the virtio-serial port org.qemu.vmtest.shell.
# Request line:  C <id> <timeout-seconds> <base64 of a shell script>
# Reply line:    R <id> <exit status> <base64 of the script's stdout+stderr>
# The script runs with stdin /dev/null under `timeout`. While the host side is not connected,
# reads return EOF at once: sleep between attempts instead of spinning.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
port=/dev/virtio-ports/org.qemu.vmtest.shell
if ! exec 3<>"$port"; then
  sleep 1
  exit 1
fi
while :; do
  if ! IFS= read -r line <&3; then
    sleep 0.2
    continue
  fi
  set -- $line
  [ "$1" = C ] && [ $# -eq 4 ] || continue
  echo "$4" | base64 -d > /tmp/vm-cmd.sh 2>/dev/null
  timeout "$3" sh /tmp/vm-cmd.sh </dev/null >/tmp/vm-cmd.out 2>&1
  rc=$?
  printf 'R %s %s %s\n' "$2" "$rc" "$(base64 -w 0 < /tmp/vm-cmd.out)" >&3
done
