#!/bin/sh
# The default job inside the test VM (a chroot of the host's /, cwd = the project root):
# the gpio-sim smoke test first, then the vitest suites under test/kernel/suites.
set -e
# The tree is read-only in the VM: vite must not bundle the config into node_modules/.vite-temp.
echo "[guest] node $(node -v), $(nproc) CPUs"
node test/kernel/guest/smoke.mjs
exec node node_modules/vitest/vitest.mjs run --config test/kernel/vitest.config.ts --configLoader runner "$@"
