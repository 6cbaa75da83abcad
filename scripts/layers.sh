#!/bin/sh
# SPDX-License-Identifier: MIT
# layers.sh SOURCE_DIR - fails when a file includes a header of a layer it
# may not look at, or when headers include each other in a circle. The
# build runs it (CMake target `layers`), so an upward or sideways include
# breaks the build.
#
# A layer is a folder: src/LAYER/... and its public headers
# include/tpt/LAYER/...; nothing else decides. The layers, lowest first,
# and what each may include besides itself:
#   base      util, errors, config, option tables, counters,  -
#             cost, outfiles, the event format
#   policy    the automatic policy's arithmetic               base
#   mem       host memory, frames, page tables                base
#   mmu       caches, TLBs, PWC, RMP, walks                   base mem
#   vm        guest OS and hypervisor                         base mem mmu
#   scheme    translation schemes                             base mem mmu vm
#   workload  generators and trace formats                    base
#   sim       run loop, profiler, reports                     base policy mem mmu vm scheme workload
#   study     the study engine                                base policy mem mmu vm scheme workload sim
#   dbt       binary translators' memory path                 base mem mmu workload
#   power     embedded Power MMU                              base
#   probe     the real machine: loops, KVM guest, host        base mem
#   calib     the model against the probe's rows              base policy mem mmu vm scheme
#                                                             workload sim dbt probe
#   cli       the tpt command                                 all but tptd
#   tptd      the daemon and tptctl                           base policy mem probe
set -u
cd "${1:-.}" || exit 2
tmp="${TMPDIR:-/tmp}/layers.$$"
trap 'rm -f "$tmp" "$tmp.err"' EXIT
awk '
# A file'"'"'s layer: the folder under src/ or include/tpt/.
function layer_of(path,    parts) {
	split(path, parts, "/")
	if (parts[1] == "include") return parts[3]
	return parts[2]
}
BEGIN {
	may["base"] = ""
	may["policy"] = "base"
	may["mem"] = "base"
	may["mmu"] = "base mem"
	may["vm"] = "base mem mmu"
	may["scheme"] = "base mem mmu vm"
	may["workload"] = "base"
	may["sim"] = "base policy mem mmu vm scheme workload"
	may["study"] = "base policy mem mmu vm scheme workload sim"
	may["dbt"] = "base mem mmu workload"
	may["power"] = "base"
	may["probe"] = "base mem"
	may["calib"] = "base policy mem mmu vm scheme workload sim dbt probe"
	may["cli"] = "base policy mem mmu vm scheme workload sim study dbt power probe calib"
	may["tptd"] = "base policy mem probe"
	bad = 0
}
FNR == 1 {
	from = layer_of(FILENAME)
	dir = FILENAME
	sub(/\/[^\/]*$/, "", dir)
	if (!(from in may)) { printf "%s: its folder is no layer\n", FILENAME; bad = 1 }
}
/^#include "/ {
	inc = $2
	gsub(/"/, "", inc)
	if (inc ~ /^tpt\//) target = "include/" inc
	else if (inc ~ /\//) target = "src/" inc
	else target = dir "/" inc
	to = layer_of(target)
	if (!(to in may)) { printf "%s: includes %s, which belongs to no layer\n", FILENAME, inc; bad = 1; next }
	if (FILENAME ~ /\.h$/ && target ~ /\.h$/) print target, FILENAME > "/dev/stderr"
	if (to == from) next
	if ((" " may[from] " ") !~ (" " to " ")) {
		printf "%s (%s) includes %s (%s): a layer may not look up or sideways\n", FILENAME, from, inc, to
		bad = 1
	}
}
END { exit bad }
' $(find include/tpt src -name '*.[ch]' | sort) 2>"$tmp" || exit 1
# Headers in a circle: tsort names the loop.
if ! tsort "$tmp" >/dev/null 2>"$tmp.err"; then
	sed 's/^tsort: /layers: headers include each other: /' "$tmp.err"
	exit 1
fi
