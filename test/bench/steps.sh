#!/usr/bin/env bash
# make test's runner: runs each target given with make, in order, and prints one line per step with
# its wall time and the CPU time of its processes (user + system, all cores), then the total:
#   ==> test-go          42.1 s  (CPU 71.3 s)
# On a machine shared with other work the wall time grows and the CPU time much less: both show
# where the time goes. Stops at the first step that fails (its line says FAILED).
set -uo pipefail
MAKE=${MAKE:-make}

# cpu sets $cpu_now to the CPU seconds used so far by this shell's finished children (bash's
# times, in this shell and not a subshell: its second line is the children's user and system time,
# as 1m2.345s).
cpu_file=$(mktemp)
trap 'rm -f "$cpu_file"' EXIT
cpu() {
  times >"$cpu_file"
  cpu_now=$(awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%.2f", t }' "$cpu_file")
}
now() { date +%s%N; }
line() { # name start-ns start-cpu [suffix]
  local end
  end=$(now)
  cpu
  awk -v s="$1" -v ns=$((end - $2)) -v c0="$3" -v c1="$cpu_now" -v x="${4:-}" \
    'BEGIN { printf "==> %-14s %6.1f s  (CPU %.1f s)%s\n", s, ns / 1e9, c1 - c0, x }'
}

total=$(now)
cpu
total_cpu=$cpu_now
for step in "$@"; do
  start=$(now)
  cpu
  start_cpu=$cpu_now
  if ! $MAKE --no-print-directory "$step"; then
    line "$step" "$start" "$start_cpu" "  FAILED"
    exit 1
  fi
  line "$step" "$start" "$start_cpu"
done
line "make test" "$total" "$total_cpu"
