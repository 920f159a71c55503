#!/usr/bin/env bash
# Lints what ships in systemd/: `systemd-analyze verify` on both units (and their drop-ins)
# with every warning treated as a failure, an exposure ceiling from `systemd-analyze security`,
# and shellcheck on the shell scripts. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v shellcheck >/dev/null || need+=(shellcheck)
if ((${#need[@]})); then
  echo "== installing ${need[*]}"
  # The systemd package only provides the tools here; nothing is started in a container.
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "== $(systemd-analyze --version | head -n 1)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=1
}

# `systemd-analyze verify` checks that ExecStart='s binary exists and is executable, and CI has
# no /usr/local/bin/pivote (and its node may live elsewhere than /usr/bin/node). So verify
# copies in which only that path is replaced by a stub: the server runs
# `/usr/local/bin/pivote …`, the kiosk `/usr/bin/node <V8 flags> /usr/local/bin/pivote …`. A copy
# where the substitution did not happen exactly once is itself a failure, so the check cannot
# drift into verifying something other than the shipped unit.
mkdir -p "$tmp/bin" "$tmp/units"
for stub in pivote node; do
  printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/$stub"
  chmod +x "$tmp/bin/$stub"
done
stage_unit() { # stage_unit UNIT DIR
  local src=systemd/$1 dest=$2/$1
  mkdir -p "$2"
  sed -e "s#^ExecStart=/usr/local/bin/pivote #ExecStart=$tmp/bin/pivote #" \
    -e "s#^ExecStart=/usr/bin/node \(\(--[a-z0-9=-]* \)*\)/usr/local/bin/pivote #ExecStart=$tmp/bin/node \1/usr/local/bin/pivote #" \
    "$src" >"$dest"
  if [[ $(grep -cE "^ExecStart=$tmp/bin/(pivote|node) " "$dest") != 1 ]]; then
    fail "$src: expected exactly one 'ExecStart=/usr/local/bin/pivote ...' or 'ExecStart=/usr/bin/node [--flag]... /usr/local/bin/pivote ...' line"
  fi
}

# The kiosk's node flags must be ones node accepts (node refuses an unknown or misspelt one), and
# must still be what the kiosk bench measures as its lean variant (bench/scenarios/kiosk.ts).
kiosk_flags=$(sed -n 's#^ExecStart=/usr/bin/node \(\(--[a-z0-9=-]* \)*\)/usr/local/bin/pivote kiosk .*#\1#p' systemd/pivote-kiosk.service)
kiosk_flags=${kiosk_flags% }
if [[ -z $kiosk_flags ]]; then
  fail "systemd/pivote-kiosk.service: ExecStart does not run /usr/bin/node with V8 flags before /usr/local/bin/pivote kiosk"
else
  read -ra flag_list <<<"$kiosk_flags"
  if node_out=$(node "${flag_list[@]}" -e 0 2>&1); then
    echo "ok: node accepts the kiosk's flags ($kiosk_flags)"
  else
    fail "node $kiosk_flags: $node_out"
  fi
  bench_flags=$(sed -n "s#^export const LEAN_NODE_ARGS = \[\(.*\)\];#\1#p" bench/scenarios/kiosk.ts | tr -d "',")
  if [[ $bench_flags == "$kiosk_flags" ]]; then
    echo "ok: the kiosk bench's lean variant is the unit's ($bench_flags)"
  else
    fail "the unit runs node $kiosk_flags but bench/scenarios/kiosk.ts LEAN_NODE_ARGS measures '$bench_flags'"
  fi
fi

# verify_clean LABEL UNIT...: verify passes only with exit 0 *and* no output, because
# systemd-analyze exits 0 on warnings such as "Unknown key".
verify_output=""
verify() {
  local rc=0
  verify_output=$(systemd-analyze verify "$@" 2>&1) || rc=$?
  ((rc == 0)) && [[ -z $verify_output ]]
}
verify_clean() {
  local label=$1
  shift
  if verify "$@"; then
    echo "ok: verify $label"
  else
    fail "verify $label:"
    printf '%s\n' "$verify_output" >&2
  fi
}

units=(pivote-server.service pivote-kiosk.service)
for unit in "${units[@]}"; do stage_unit "$unit" "$tmp/units"; done
verify_clean "units" "${units[@]/#/$tmp/units/}"

# The check must still catch mistakes: a unit with a misspelt key and a missing binary.
stage_unit pivote-server.service "$tmp/broken"
sed -i -e 's/^RestartSec=/RestartSecs=/' -e "s#^ExecStart=$tmp/bin/pivote #ExecStart=$tmp/bin/missing #" \
  "$tmp/broken/pivote-server.service"
if verify "$tmp/broken/pivote-server.service"; then
  fail "self-test: systemd-analyze verify accepted a broken unit; this check would pass anything"
else
  echo "ok: self-test (a broken unit is reported)"
fi

# The pigpio drop-in, enabled as an operator would: it must verify cleanly as well.
stage_unit pivote-kiosk.service "$tmp/pigpio"
mkdir -p "$tmp/pigpio/pivote-kiosk.service.d"
cp systemd/pivote-kiosk.service.d/pigpio.conf.example "$tmp/pigpio/pivote-kiosk.service.d/pigpio.conf"
verify_clean "kiosk + pigpio drop-in" "$tmp/pigpio/pivote-kiosk.service"

# The restart back-off drop-in needs systemd 254. Older versions may warn about exactly its two
# keys and nothing else.
version=$(systemd-analyze --version | awk 'NR == 1 { print $2 + 0 }')
for unit in "${units[@]}"; do
  stage_unit "$unit" "$tmp/backoff"
  mkdir -p "$tmp/backoff/$unit.d"
  cp systemd/dropins/restart-backoff.conf "$tmp/backoff/$unit.d/"
done
if ((version >= 254)); then
  verify_clean "units + restart-backoff drop-in" "${units[@]/#/$tmp/backoff/}"
else
  verify "${units[@]/#/$tmp/backoff/}" || true
  unexpected=$(printf '%s\n' "$verify_output" |
    grep -Ev "restart-backoff\.conf:[0-9]+: Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$" |
    grep -v '^$' || true)
  if [[ -n $unexpected ]]; then
    fail "verify units + restart-backoff drop-in (systemd $version):"
    printf '%s\n' "$unexpected" >&2
  else
    echo "ok: restart-backoff drop-in (systemd $version only lacks its two keys; install.sh skips it there)"
  fi
fi

# Exposure ceiling: a change that weakens the sandbox noticeably fails here. (Scores today:
# server 1.7, kiosk 1.9 on systemd 252; lower is safer.) --threshold counts in tenths: 30 = 3.0.
for unit in "${units[@]}"; do
  if out=$(systemd-analyze security --offline=true --threshold=30 "$tmp/units/$unit" 2>&1); then
    echo "ok: $(printf '%s\n' "$out" | tail -n 1 | sed 's/^→ //')"
  else
    fail "systemd-analyze security $unit is above 3.0:"
    printf '%s\n' "$out" | tail -n 1 >&2
  fi
done

if shellcheck systemd/install.sh .ci/checks/*.sh; then
  echo "ok: shellcheck"
else
  fail "shellcheck"
fi

exit "$failed"
