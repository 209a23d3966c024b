#!/bin/sh
# Guest set-up (busybox init's sysinit step): file systems, kernel modules, /dev/virtio-ports
# symlinks (there is no udev), the test disk, the network, then the two agents.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
say() { echo "vm-rc: $*"; }

# An image whose busybox could not list its applets on the host (aarch64) has only /bin/sh:
# link the rest here (existing entries, e.g. /sbin/shutdown, are kept).
[ -e /bin/mount ] || /bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# /tmp stays on the (writable, unfreezable) initramfs root: the agent sources may live under
# /tmp when the checkout does, at the same absolute path as on the host.
mkdir -p /tmp && chmod 1777 /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
hostname vm

# A distribution's userland (tests/vm/guest_userland.ts): login records, a user's home.
cp /etc/vm/utmp /run/utmp
mkdir -p /home/alice && chown 1000:1000 /home/alice && chmod 0755 /home/alice
chmod 0755 /usr/sbin/chpasswd

for m in $(cat /etc/vm/modules); do
  insmod "/lib/modules/$m" || say "insmod $m failed"
done

# Ports are announced by the host asynchronously: wait for all of them to have a name.
want=$(cat /etc/vm/ports)
i=0
while :; do
  n=0
  for p in /sys/class/virtio-ports/vport*; do
    [ -s "$p/name" ] && n=$((n + 1))
  done
  [ "$n" -ge "$want" ] && break
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then say "only $n of $want virtio ports appeared"; break; fi
  sleep 0.1
done
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/vport*; do
  [ -s "$p/name" ] && ln -sf "../${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done

mkdir -p /mnt/disk
i=0
while [ ! -b /dev/vda ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /mnt/disk || say "mounting /dev/vda failed"

ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
  echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad
  echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_ra
  ip link set eth0 up
  ip addr add "$(cat /etc/vm/ipv4)" dev eth0
  ip -6 addr add "$(cat /etc/vm/ipv6)" dev eth0
  ip route add default via 10.0.2.2 dev eth0
  ip -6 route add default via fd00:5eed::2 dev eth0
else
  say "no eth0"
fi

/etc/vm/start_agent.sh ref
/etc/vm/start_agent.sh test
say "up $(cut -d' ' -f1 /proc/uptime)"
