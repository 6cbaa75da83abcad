#!/bin/sh
# inputs.sh - what tpt is given or reads back, treated as untrusted: output
# names that differ only in spelling, other users' links, names the file
# system cannot take; results, study files and paper tables that tpt did
# not write. Each case failed before its fix. Usage: inputs.sh PATH/TO/tpt
set -u
TPT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
W="gups:size=16M,updates=5K"

# --- output identity: by the file a name will be, not by its spelling ---
mkdir "$T/o"
cd "$T/o" || exit 1
one_line "two outputs of this run are the same file" 2 sim --scheme tpt-opt --policy auto \
	--workload $W --json x.out --timeline ./x.out
[ -e x.out ] && bad "a refused run wrote x.out" || ok
one_line "two outputs of this run are the same file" 2 probe --calibrate ./x.json --json x.json
"$TPT" trace write --workload $W -o g.tpt 2>/dev/null
one_line "is this run's input" 2 sim --scheme native --workload "trace:path=./g.tpt" --json g.tpt
cd - >/dev/null || exit 1
one_line "cannot write /proc/version: no file can be created in /proc" 2 probe --calibrate /proc/version
# A long name is a name: its temporary is cut to fit, the result lands.
long=$(printf 'a%.0s' $(seq 250))
"$TPT" sim --scheme native --workload $W --json "$T/o/$long" >/dev/null 2>&1 && [ -s "$T/o/$long" ] && ok ||
	bad "a 250-character output name"
one_line "File name too long" 2 sim --scheme native --workload $W --json "$T/o/${long}bbbbbbbbbb"

# --- another user's link in a sticky directory; a replaced file's owner ---
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 || ! id daemon >/dev/null 2>&1; then
	echo "skip: links and owners of other users need root and the users nobody and daemon"
else
	mkdir "$T/sticky" "$T/own"
	chmod 1777 "$T/sticky"
	echo precious >"$T/own/victim"
	chown daemon:daemon "$T/own/victim"
	ln -s "$T/own/victim" "$T/sticky/link"
	chown -h nobody "$T/sticky/link"
	one_line "which the kernel would not follow (protected_symlinks)" 2 sim --scheme native --workload $W \
		--json "$T/sticky/link"
	[ "$(cat "$T/own/victim")" = precious ] && ok || bad "a link of another user in a sticky directory was followed"
	# The directory's owner's link, and our own, are followed as the kernel would.
	chown -h root "$T/sticky/link"
	"$TPT" sim --scheme native --workload $W --json "$T/sticky/link" >/dev/null 2>&1 &&
		grep -q '"scheme"' "$T/own/victim" && ok || bad "our own link in a sticky directory"
	[ "$(stat -c %U:%G "$T/own/victim")" = daemon:daemon ] && ok ||
		bad "the replaced file changed owner: $(stat -c %U:%G "$T/own/victim")"
fi

finish
