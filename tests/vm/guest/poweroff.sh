#!/bin/sh
# /sbin/shutdown and /sbin/poweroff for the guest (busybox has no `shutdown` applet): whatever
# the arguments (qemu-ga 7.2 runs `shutdown -h -P +0 "hypervisor initiated shutdown"`), ask
# busybox init to power the machine off.
sync
exec /bin/busybox poweroff
