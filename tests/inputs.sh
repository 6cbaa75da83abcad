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

# --- tpt rerun: a recorded output option is dropped however it was spelled ---
"$TPT" sim --scheme native --workload $W --jso "$T/r.json" >/dev/null 2>&1
grep -q '"--jso"' "$T/r.json" && bad "an abbreviated --json was recorded as part of the command" || ok
# A result whose command names itself through abbreviations (as an older
# build recorded them, or a doctored file).
sed 's|"--workload",|"--time='"$T"'/tl.csv", "--jso", "'"$T"'/r.json", "--workload",|' "$T/r.json" >"$T/d.json"
cp "$T/d.json" "$T/r.json"
cp "$T/r.json" "$T/r.bak"
"$TPT" rerun "$T/r.json" >/dev/null 2>&1 && ok || bad "rerun of a result naming itself"
cmp -s "$T/r.json" "$T/r.bak" && [ ! -e "$T/tl.csv" ] && ok || bad "rerun wrote a recorded, abbreviated output"

# --- tpt power --paper: line numbers count blank lines; unknown names and
# out-of-range figures are refused; a large figure prints whole ---
H="workload,scheme,value,priv_exits,tlb_misses,access_violations"
printf '# c\n\n%s\n\nlinux-boot,trap,30,1,2,3\n\nlinux-boot,trap,x,,,\n' "$H" >"$T/p1.csv"
one_line "p1.csv:7: a figure is not a number" 2 power --workload linux-boot --paper "$T/p1.csv"
printf '%s\nlinux-bot,trap,30,1,2,3\n' "$H" >"$T/p2.csv"
one_line "p2.csv:2: no workload 'linux-bot'" 2 power --workload linux-boot --paper "$T/p2.csv"
printf '%s\nlinux-boot,trapp,30,1,2,3\n' "$H" >"$T/p3.csv"
one_line "p3.csv:2: no scheme 'trapp'" 2 power --workload linux-boot --paper "$T/p3.csv"
printf '%s\nlinux-boot,trap,30,1e16,2,3\n' "$H" >"$T/p4.csv"
one_line "p4.csv:2: a figure is not a number from 0 to 1e+15" 2 power --workload linux-boot --paper "$T/p4.csv"
printf '%s\nlinux-boot,trap,30,1e15,2,3\n' "$H" >"$T/p5.csv"
"$TPT" power --workload linux-boot --scheme trap --paper "$T/p5.csv" 2>&1 | grep -q " 1000000000000000 " && ok ||
	bad "a figure of 1e15 is not printed whole"

finish
