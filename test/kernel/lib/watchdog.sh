# shellcheck shell=bash
# The kernel test's watchdog. Speed is not judged: a busy host may take several times as long.
# What fails is a VM that stops making progress — no console output (every test prints a line
# when it ends) for SILENCE seconds — which the watchdog kills, leaving a marker file. Every
# PROGRESS seconds it says how long the VM has run and how busy the host is, so a slow run reads
# as slow, not as stuck.

# kt_watch_vm CONSOLE PIDFILE MARKER SILENCE PROGRESS: run in the background; returns after
# killing a silent VM. KT_WATCH_POLL (seconds, default 5) is how often it looks.
kt_watch_vm() {
  local console=$1 pidfile=$2 marker=$3 silence=$4 progress=$5
  local began last_size=-1 last_change size now next_report
  began=$(kt_now)
  last_change=$began
  next_report=$((began + progress))
  while sleep "${KT_WATCH_POLL:-5}"; do
    now=$(kt_now)
    size=$(stat -c %s "$console" 2>/dev/null || echo 0)
    if [ "$size" != "$last_size" ]; then
      last_size=$size
      last_change=$now
    fi
    if [ $((now - last_change)) -ge "$silence" ]; then
      kt_log "no output from the VM for $((now - last_change)) s: it hangs; stopping it"
      touch "$marker"
      if [ -s "$pidfile" ]; then kill -KILL "$(cat "$pidfile")" 2>/dev/null || true; fi
      return 0
    fi
    if [ "$now" -ge "$next_report" ]; then
      kt_log "VM running $((now - began)) s, last output $((now - last_change)) s ago, load average $(cut -d' ' -f1-3 /proc/loadavg)"
      next_report=$((next_report + progress))
    fi
  done
}
