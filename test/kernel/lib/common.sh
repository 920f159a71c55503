# shellcheck shell=bash
# Shared helpers of the kernel test harness: logging, skipping, and where things are cached.

# Artifacts (kernel, modules, gpio-sim.ko, busybox) live outside the clone so every checkout and
# every rerun reuses them; override with PIVOTE_KERNEL_CACHE.
# shellcheck disable=SC2034 # used by the other lib/ files
KT_CACHE_ROOT=${PIVOTE_KERNEL_CACHE:-/var/cache/pivote-kernel-test}

kt_log() { printf '[test:kernel] %s\n' "$*" >&2; }
kt_die() { printf '[test:kernel] FAILED: %s\n' "$*" >&2; exit 1; }

# A skip is a pass that says so. With PIVOTE_KERNEL_TEST_REQUIRED=1 (set it in CI) it fails
# instead, so a runner that silently lost root or apt cannot look green.
kt_skip() {
  printf '[test:kernel] SKIPPED: %s\n' "$*" >&2
  if [ "${PIVOTE_KERNEL_TEST_REQUIRED:-0}" = 1 ]; then
    printf '[test:kernel] PIVOTE_KERNEL_TEST_REQUIRED=1, so a skip is a failure\n' >&2
    exit 3
  fi
  exit 0
}

kt_now() { date +%s; }
