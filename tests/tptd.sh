#!/bin/sh
# tptd.sh - the daemon's command-line contract: the probe report is
# complete and consistent with itself; bad usage is one line and status 2.
TPTD="$1"
. "$(dirname "$0")/lib.sh"

"$TPTD" --probe >"$T/p" 2>"$T/e" && ok || bad "tptd --probe exits 0"
for h in "metric sources" "actuators" "would use" "hardware PMU" "software perf events" \
	"MADV_COLLAPSE" "process_madvise" "pidfd_open"; do
	grep -q "$h" "$T/p" && ok || bad "probe report lacks '$h'"
done
[ -s "$T/e" ] && bad "probe wrote to stderr: $(cat "$T/e")" || ok
# No PMU means the heuristic source; a PMU means the counters.
if grep -q "hardware PMU (cycles) *no" "$T/p"; then
	grep -q "source *heuristic" "$T/p" && ok || bad "no PMU but not the heuristic"
else
	grep -q "source *pmu" "$T/p" && ok || bad "a PMU but not used"
fi
# Without the TPT knob the actuator is thp or advise, never tpt.
if [ ! -e /sys/kernel/mm/devirt/task_name ]; then
	grep -q "actuator *tpt" "$T/p" && bad "tpt actuator without the knob" || ok
fi
"$TPTD" --frobnicate >/dev/null 2>"$T/e"
[ $? -eq 2 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && grep -q "unknown option" "$T/e" && ok ||
	bad "unknown option: one line, status 2"
"$TPTD" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && ok || bad "no arguments: status 2"

finish
