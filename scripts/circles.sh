#!/bin/sh
# SPDX-License-Identifier: MIT
# circles.sh BUILD - fails when source files call each other in a circle:
# from the built libraries' symbols (nm), file A depends on file B when A
# uses a symbol B defines; every strongly connected group of more than one
# file is named. Within a layer, as between layers, dependencies run one
# way: a table of entries (commands, generators, formats) sits above what
# its entries share. The build runs it once the libraries are built
# (CMake target `circles`), so a circle fails the build.
set -u
cd "${1:?usage: circles.sh BUILD}" || exit 2
libs=$(ls lib*.a 2>/dev/null)
[ -n "$libs" ] || { echo "circles: no libraries in $1"; exit 2; }
# Files are told apart by their names within a library: two alike would
# hide a circle.
for a in $libs; do
	same=$(ar t "$a" | sort | uniq -d)
	[ -z "$same" ] || { echo "circles: $a holds two files named $same: rename one"; exit 1; }
done
for a in $libs; do nm -A "$a" 2>/dev/null; done | awk '
{
	split($1, p, ":")
	obj = p[1] ":" p[2]
	if (NF == 4) { t = $3; sym = $4 } else { t = $2; sym = $3 }
	if (t ~ /^[TDBRCV]$/) def[sym] = obj
	else if (t == "U") use[obj, sym] = 1
}
END {
	for (k in use) {
		split(k, q, SUBSEP)
		if ((q[2] in def) && def[q[2]] != q[1]) edge[q[1] " " def[q[2]]] = 1
	}
	for (e in edge) print e
}' | sort -u >"${TMPDIR:-/tmp}/circles.$$"
# Strongly connected components (Tarjan), iteratively, in awk.
awk '
{ n[$1] = n[$1] " " $2; v[$1] = 1; v[$2] = 1 }
END {
	idx = 0; bad = 0
	for (s in v) {
		if (s in index_) continue
		# an explicit stack of (node, position in its list)
		top = 0; stk[++top] = s; pos[s] = 0
		index_[s] = low[s] = idx++; sp[++nsp] = s; on[s] = 1
		split(n[s], adj_s, " ")
		while (top > 0) {
			x = stk[top]
			cnt = split(n[x], adj, " ")
			if (pos[x] < cnt) {
				pos[x]++
				w = adj[pos[x]]
				if (!(w in index_)) {
					index_[w] = low[w] = idx++; sp[++nsp] = w; on[w] = 1; pos[w] = 0
					stk[++top] = w
				} else if (on[w] && index_[w] < low[x]) {
					low[x] = index_[w]
				}
				continue
			}
			if (low[x] == index_[x]) {
				grp = ""; k = 0
				do { y = sp[nsp--]; on[y] = 0; grp = grp " " y; k++ } while (y != x)
				if (k > 1) { print "circles: these files call each other in a circle:" grp; bad = 1 }
			}
			top--
			if (top > 0 && low[x] < low[stk[top]]) low[stk[top]] = low[x]
		}
	}
	exit bad
}' "${TMPDIR:-/tmp}/circles.$$"
rc=$?
rm -f "${TMPDIR:-/tmp}/circles.$$"
exit $rc
