#!/usr/bin/env bash
# npm run test:kernel [-- command...]
#
# Boots a Debian 6.12 kernel in QEMU (TCG: nested KVM is not reliable on CI hosts) with gpio-sim,
# the kernel's own GPIO simulator, and runs a command inside it against the host's tree, mounted
# read-only over virtio-9p. The default command (test/kernel/guest/run-suite.sh) runs the smoke
# test and the GPIO contract suite for the chardev and onoff backends on a simulated Pi 4 and Pi 5.
#
# Environment:
#   PIVOTE_KERNEL_CACHE          cache directory (default /var/cache/pivote-kernel-test)
#   PIVOTE_KERNEL_ABI            pin a kernel ABI, e.g. 6.12.117+deb12-amd64 (default: newest)
#   PIVOTE_KERNEL_TEST_TIMEOUT   seconds the guest command may run at most (default 1800: a cap
#                                for a run gone wrong, not a speed limit; a busy host is slow)
#   PIVOTE_KERNEL_TEST_SILENCE   seconds without any output from the VM that count as a hang
#                                (default 300); the run prints progress every 60 s meanwhile
#   PIVOTE_KERNEL_TEST_REQUIRED  1 = a skip (not Linux, not root, no apt) fails instead
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/fetch.sh"
. "$HERE/lib/prepare-kernel.sh"
. "$HERE/lib/watchdog.sh"

START=$(kt_now)
GUEST_TIMEOUT=${PIVOTE_KERNEL_TEST_TIMEOUT:-1800}
SILENCE_LIMIT=${PIVOTE_KERNEL_TEST_SILENCE:-300}
PROGRESS_EVERY=60

[ "$(uname -s)" = Linux ] || kt_skip "needs Linux (this is $(uname -s))"
[ "$(id -u)" = 0 ] || kt_skip "needs root (to install qemu with apt and to cache in $KT_CACHE_ROOT); run it as root or in CI"
if ! command -v apt-get >/dev/null || ! command -v apt-cache >/dev/null || ! command -v dpkg-deb >/dev/null; then
  kt_skip "needs apt and dpkg (a Debian or Ubuntu host) to fetch the kernel and QEMU"
fi
NODE_BIN=$(command -v node) || kt_die "node is not on PATH"

mkdir -p "$KT_CACHE_ROOT"
exec 9>"$KT_CACHE_ROOT/.lock"
flock 9 # one run at a time prepares the shared cache

# Leftovers of an interrupted cold run.
rm -rf "$KT_CACHE_ROOT"/tmp.* "$KT_CACHE_ROOT"/*.new

if ! CHOICE=$(kt_choose_kernel); then
  kt_log "no complete 6.12 kernel in the local apt lists; running apt-get update"
  apt-get update -qq >/dev/null || kt_die "apt-get update failed"
  CHOICE=$(kt_choose_kernel) || kt_die "Debian's archive has no linux-image-6.12.*-amd64-unsigned with matching headers and source"
fi
read -r ABI VERSION <<<"$CHOICE"
KDIR=$KT_CACHE_ROOT/$ABI

kt_ensure_tools qemu-system-x86_64=qemu-system-x86
if [ ! -f "$KDIR/vmlinuz" ] || [ ! -f "$KDIR/modules/load-order" ]; then
  kt_ensure_tools make=make x86_64-linux-gnu-gcc-12=gcc-12 strings=binutils xz=xz-utils
  kt_prepare_kernel "$ABI" "$VERSION" # not under `if`: that would switch off set -e inside it
fi
kt_fetch_busybox
flock -u 9

# The chardev addon must exist for the chardev suites; npm install builds it, this is for a
# tree where it was not (yet) installed.
ADDON=$PROJECT/native/gpio-chardev
if [ ! -f "$ADDON/build/Release/gpio_chardev.node" ]; then
  kt_log "building the gpio-chardev addon"
  (cd "$ADDON" && npm run --silent install >/dev/null) || kt_die "the gpio-chardev addon does not build (see: cd native/gpio-chardev && npm run install)"
fi

# The kiosk end-to-end runs the real CLI (dist/), and the tree is read-only in the VM: build it
# here when it is missing or older than any source file (what test/e2e/build.ts checks).
CLI_JS=$PROJECT/dist/cli/main.js
if [ ! -f "$CLI_JS" ] || [ -n "$(find "$PROJECT/src" -name '*.ts' -newer "$CLI_JS" -print -quit)" ]; then
  kt_log "dist/ is missing or older than src/: npm run build"
  BUILD_LOG=$(cd "$PROJECT" && npm run --silent build 2>&1) || kt_die "npm run build failed:
$(printf '%s\n' "$BUILD_LOG" | tail -n 30)"
fi

RUN=$(mktemp -d /tmp/pivote-kernel-test.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -rf "$RUN"; }
trap cleanup EXIT
mkdir -p "$RUN/initramfs/bin" "$RUN/initramfs/lib/modules" "$RUN/initramfs/proc" "$RUN/initramfs/sys" \
  "$RUN/initramfs/dev" "$RUN/out"
cp "$KT_CACHE_ROOT/busybox/busybox" "$RUN/initramfs/bin/busybox"
cp "$HERE/initramfs/init" "$RUN/initramfs/init"
chmod 0755 "$RUN/initramfs/init"
cp "$KDIR"/modules/* "$RUN/initramfs/lib/modules/"
(cd "$RUN/initramfs" && find . | "$KT_CACHE_ROOT/busybox/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$RUN/initramfs.gz"

# The job: environment and command for the chroot, quoted for a POSIX sh.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
if [ $# -gt 0 ]; then
  COMMAND=""
  for arg in "$@"; do COMMAND="$COMMAND $(q "$arg")"; done
else
  COMMAND="sh test/kernel/guest/run-suite.sh"
fi
case "$PROJECT/" in /tmp/*) GUEST_TMP=/dev/shm/tmp ;; *) GUEST_TMP=/tmp ;; esac
{
  echo "KT_PROJECT_DIR=$(q "$PROJECT")"
  echo "KT_GUEST_TIMEOUT=$GUEST_TIMEOUT"
} > "$RUN/out/job.env"
{
  echo "mkdir -p $(q "$GUEST_TMP")/home"
  echo "export PATH=$(q "$(dirname "$NODE_BIN"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")"
  echo "export HOME=$(q "$GUEST_TMP/home") TMPDIR=$(q "$GUEST_TMP")"
  echo "export PIVOTE_KERNEL_VM=1 PIVOTE_KERNEL_ABI=$(q "$ABI") CI=$(q "${CI:-}") NO_COLOR=1"
  # dist/ was current when the run started; sources edited since then do not fail the run.
  echo "export PIVOTE_KERNEL_DIST_CHECKED=1"
  echo "cd $(q "$PROJECT") || exit 125"
  echo "exec $COMMAND"
} > "$RUN/out/job.sh"

SMP=$(nproc)
[ "$SMP" -gt 4 ] && SMP=4
PREPARED=$(kt_now)
kt_log "Linux $ABI ready in $((PREPARED - START)) s; booting QEMU (TCG, $SMP vCPUs); a hang is ${SILENCE_LIMIT} s without output, the cap ${GUEST_TIMEOUT} s"

boot_vm() {
  rm -f "$RUN/hung" "$RUN/qemu.pid" "$RUN/console.log"
  : >"$RUN/console.log"
  kt_watch_vm "$RUN/console.log" "$RUN/qemu.pid" "$RUN/hung" "$SILENCE_LIMIT" "$PROGRESS_EVERY" &
  local watcher=$!
  set +e
  timeout -s KILL $((GUEST_TIMEOUT + 60)) qemu-system-x86_64 -pidfile "$RUN/qemu.pid" \
    -accel tcg -cpu max -smp "$SMP" -m 1024 -nographic -no-reboot -net none \
    -kernel "$KDIR/vmlinuz" -initrd "$RUN/initramfs.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$RUN/out,mount_tag=out,security_model=none" \
    </dev/null 2>&1 | sed -u 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' | tee "$RUN/console.log"
  QEMU_STATUS=${PIPESTATUS[0]} # SeaBIOS's screen-clearing escapes are stripped above
  kill "$watcher" 2>/dev/null
  wait "$watcher" 2>/dev/null
  set -e
}
boot_vm
# Under TCG with several vCPUs the guest kernel has, rarely, oopsed while booting (an int3 left by
# live text patching, in sched_clock_cpu). The job had not started then, so booting again is safe;
# once, so that a kernel that never boots still fails.
if [ ! -f "$RUN/out/exit-code" ] && ! grep -q '\[guest\] kernel .*running the job' "$RUN/console.log"; then
  kt_log "the VM died before the job started (qemu exit status $QEMU_STATUS); booting once more"
  boot_vm
fi
END=$(kt_now)

if [ -f "$RUN/hung" ]; then
  kt_die "the VM hung: no output for ${SILENCE_LIMIT} s (PIVOTE_KERNEL_TEST_SILENCE); its last lines are above"
elif [ -f "$RUN/out/exit-code" ]; then
  CODE=$(cat "$RUN/out/exit-code")
elif grep -q 'PIVOTE_KERNEL_TEST_EXIT=' "$RUN/console.log"; then
  CODE=$(sed -n 's/.*PIVOTE_KERNEL_TEST_EXIT=\([0-9]*\).*/\1/p' "$RUN/console.log" | tail -n 1)
else
  kt_die "the VM reported no result (qemu exit status $QEMU_STATUS; killed by the $((GUEST_TIMEOUT + 60)) s hard timeout if 137)"
fi
WHY=""
[ "$CODE" = 137 ] && WHY=" (killed by the ${GUEST_TIMEOUT} s cap, PIVOTE_KERNEL_TEST_TIMEOUT, though it kept printing)"
[ "$CODE" = 125 ] && WHY=" (the VM could not set up the job; see the [guest] lines above)"
kt_log "guest exit code $CODE$WHY; VM ran $((END - PREPARED)) s, total $((END - START)) s"
exit "$CODE"
