#!/usr/bin/env bash
# make test's runner: runs each target given with make and prints, when it ends, its output and one
# line with its wall time and the CPU time of its processes (user + system, all cores), then the
# total:
#   ==> test-go          42.1 s  (CPU 71.3 s)
# The targets named in BESIDE (space-separated) start at once, in the background; the others run
# one after the other beside them, in the order given. So a step that leaves a core idle (make
# test-go's one jsii runtime) shares the machine with the rest. Each step's output is kept
# together (printed when it ends, with its line). The others run at a lower priority (nice 10):
# the steps of BESIDE are the longest, and the others fill the time they leave a core idle instead
# of slowing them down. The first step that fails stops the others and
# make test (its line says FAILED).
# On a machine shared with other work the wall time grows and the CPU time much less: both show
# where the time goes.
set -uo pipefail
set -m # each step in a process group of its own, which a failure elsewhere stops as a whole
MAKE=${MAKE:-make}
BESIDE=" ${BESIDE:-} "
dir=$(mktemp -d)
declare -A step_of # the running steps, by process (group) id
stop() { for pid in "${!step_of[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap 'rm -rf "$dir"' EXIT
trap 'stop; exit 130' INT TERM

# cpu sets $cpu_now to the CPU seconds used so far by this shell's finished children (bash's
# times, in this shell and not a subshell: its second line is the children's user and system time,
# as 1m2.345s).
cpu() {
  local f="$dir/times.$BASHPID"
  times >"$f"
  cpu_now=$(awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%.2f", t }' "$f")
}
now() { date +%s%N; }
line() { # name start-ns end-ns cpu-seconds [suffix]
  awk -v s="$1" -v ns=$(($3 - $2)) -v c="$4" -v x="${5:-}" \
    'BEGIN { printf "==> %-14s %6.1f s  (CPU %.1f s)%s\n", s, ns / 1e9, c, x }'
}

# start runs one step in the background: its output in $dir/<step>.out, then its exit status,
# start and end time and CPU seconds (the subshell's children: make and everything it waited for)
# in $dir/<step>.result.
start() {
  local prio=()
  [[ $BESIDE == *" $1 "* ]] || prio=(nice -n 10)
  (
    s=$(now)
    "${prio[@]}" $MAKE --no-print-directory "$1" >"$dir/$1.out" 2>&1
    rc=$?
    e=$(now)
    cpu
    echo "$rc $s $e $cpu_now" >"$dir/$1.result"
  ) &
  step_of[$!]=$1
}

total=$(now)
queue=()
for step in "$@"; do
  if [[ $BESIDE == *" $step "* ]]; then start "$step"; else queue+=("$step"); fi
done
next() {
  if ((${#queue[@]})); then
    start "${queue[0]}"
    queue=("${queue[@]:1}")
  fi
}
next
while ((${#step_of[@]})); do
  wait -n -p done_pid
  step=${step_of[$done_pid]}
  unset "step_of[$done_pid]"
  cat "$dir/$step.out"
  read -r rc s e c <"$dir/$step.result" 2>/dev/null || rc=1 s=$total e=$(now) c=0
  if [ "$rc" != 0 ]; then
    line "$step" "$s" "$e" "$c" "  FAILED"
    stop
    exit 1
  fi
  line "$step" "$s" "$e" "$c"
  [[ $BESIDE == *" $step "* ]] || next
done
cpu
line "make test" "$total" "$(now)" "$cpu_now"
