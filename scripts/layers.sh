#!/bin/sh
# layers.sh SOURCE_DIR - fails when a file includes a header of a layer it
# may not look at, or when headers include each other in a circle. The
# build runs it (CMake target `layers`), so an upward include breaks it.
#
# The layers, lowest first, and what each may include besides itself:
#   base      util config opttab stats event cost policy  -
#             outfile version
#   mem       host memory, frames, page tables            base
#   mmu       caches, TLBs, PWC, RMP, walks                base mem
#   vm        guest OS and hypervisor                      base mem mmu
#   scheme    translation schemes                          base mem mmu vm
#   workload  generators and trace formats                 base
#   sim       run loop, profiler, reports                  base mem mmu vm scheme workload
#   study     the study engine: plan, run, Slurm, report   base mem mmu vm scheme workload sim
#   dbt       binary translators' memory path              base mem mmu workload
#   power     embedded Power MMU                           base
#   probe     the real machine: loops, KVM guest, host     base mem
#   cli       the tpt command                              all but tptd
#   tptd      the daemon and tptctl                        base
set -u
cd "${1:-.}" || exit 2
awk '
function layer_of(path,    n, parts, base) {
	if (path ~ /^include\/tpt\//) {
		base = path
		sub(/^include\/tpt\//, "", base)
		sub(/\.h$/, "", base)
		return hdr[base]
	}
	n = split(path, parts, "/")
	if (parts[2] == "core") {
		base = parts[3]
		sub(/\.[ch]$/, "", base)
		return base in core ? core[base] : "sim"
	}
	if (parts[2] == "policy") return "base"
	if (parts[2] == "trace") return "workload"
	return parts[2]
}
BEGIN {
	split("util config opttab stats event cost policy outfile version", a, " "); for (i in a) hdr[a[i]] = "base"
	split("hostmem frame pt", a, " "); for (i in a) hdr[a[i]] = "mem"
	split("cache tlb fa pwc rmp mmu", a, " "); for (i in a) hdr[a[i]] = "mmu"
	hdr["vm"] = "vm"; hdr["hv"] = "vm"; hdr["pcache"] = "vm"; hdr["scheme"] = "scheme"; hdr["workload"] = "workload"
	hdr["trace"] = "workload"; hdr["sim"] = "sim"; hdr["profile"] = "sim"
	hdr["report"] = "sim"; hdr["dbt"] = "dbt"; hdr["study"] = "study"
	split("probe vmm loops", a, " "); for (i in a) hdr[a[i]] = "probe"
	split("util config opttab stats cost outfile version tpt_commit", a, " "); for (i in a) core[a[i]] = "base"
	may["base"] = ""
	may["mem"] = "base"
	may["mmu"] = "base mem"
	may["vm"] = "base mem mmu"
	may["scheme"] = "base mem mmu vm"
	may["workload"] = "base"
	may["sim"] = "base mem mmu vm scheme workload"
	may["study"] = "base mem mmu vm scheme workload sim"
	may["dbt"] = "base mem mmu workload"
	may["power"] = "base"
	may["probe"] = "base mem"
	may["cli"] = "base mem mmu vm scheme workload sim study dbt power probe"
	may["tptd"] = "base"
	bad = 0
}
FNR == 1 { from = layer_of(FILENAME); dir = FILENAME; sub(/\/[^\/]*$/, "", dir) }
/^#include "/ {
	inc = $2
	gsub(/"/, "", inc)
	if (inc ~ /^tpt\//) target = "include/" inc
	else if (inc ~ /\//) target = "src/" inc
	else target = dir "/" inc
	to = layer_of(target)
	if (to == "") { printf "%s: includes %s, which belongs to no layer\n", FILENAME, inc; bad = 1; next }
	if (FILENAME ~ /\.h$/ && target ~ /\.h$/) print target, FILENAME > "/dev/stderr"
	if (to == from) next
	if ((" " may[from] " ") !~ (" " to " ")) {
		printf "%s (%s) includes %s (%s): a layer may not look up or sideways\n", FILENAME, from, inc, to
		bad = 1
	}
}
END { exit bad }
' $(find include/tpt src -name '*.[ch]' | sort) 2>"${TMPDIR:-/tmp}/layers.$$" || {
	rm -f "${TMPDIR:-/tmp}/layers.$$"
	exit 1
}
# Headers in a circle: tsort names the loop.
if ! tsort "${TMPDIR:-/tmp}/layers.$$" >/dev/null 2>"${TMPDIR:-/tmp}/layers.$$.err"; then
	sed 's/^tsort: /layers: headers include each other: /' "${TMPDIR:-/tmp}/layers.$$.err"
	rm -f "${TMPDIR:-/tmp}/layers.$$" "${TMPDIR:-/tmp}/layers.$$.err"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/layers.$$" "${TMPDIR:-/tmp}/layers.$$.err"
