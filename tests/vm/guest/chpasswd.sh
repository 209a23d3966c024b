#!/bin/sh
# A stand-in for shadow's chpasswd(8) in the busybox guest (the real one needs PAM): reads
# `user:password` lines from stdin and sets the user's hash in /etc/shadow — hashed with busybox
# mkpasswd (SHA-512), or taken as given with -e. Unknown users fail as chpasswd does.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
encrypted=0
[ "$1" = -e ] && encrypted=1
n=0
status=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  user=${line%%:*}
  pass=${line#*:}
  if ! grep -q "^$user:" /etc/shadow; then
    echo "chpasswd: line $n: user '$user' does not exist" >&2
    status=1
    continue
  fi
  if [ "$encrypted" = 1 ]; then hash=$pass; else hash=$(mkpasswd -m sha512 "$pass"); fi
  awk -F: -v OFS=: -v u="$user" -v h="$hash" '$1 == u { $2 = h } { print }' /etc/shadow \
    > /etc/shadow.new && cat /etc/shadow.new > /etc/shadow && rm -f /etc/shadow.new
done
[ "$status" = 0 ] || echo "chpasswd: error detected, changes ignored" >&2
exit "$status"
