#!/bin/sh
# SPDX-License-Identifier: MIT
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
cp "$T/r.json" "$T/r.bak"
grep -q '"--jso"' "$T/r.json" && bad "an abbreviated --json was recorded as part of the command" || ok
# A result whose command names itself through abbreviations (as an older
# build recorded them, or a doctored file).
sed 's|"--workload",|"--time='"$T"'/tl.csv", "--jso", "'"$T"'/r.json", "--workload",|' "$T/r.json" >"$T/d.json"
cp "$T/d.json" "$T/r.json"
cp "$T/r.json" "$T/r.bak"
"$TPT" rerun "$T/r.json" >/dev/null 2>&1 && ok || bad "rerun of a result naming itself"
cmp -s "$T/r.json" "$T/r.bak" && [ ! -e "$T/tl.csv" ] && ok || bad "rerun wrote a recorded, abbreviated output"
# A recorded value out of range is named once.
sed 's|"l1d_size": "[^"]*"|"l1d_size": "99999999999999999999K"|' "$T/r.bak" >"$T/big.json"
one_line "the recorded configuration: \[cache\] l1d_size: '99999999999999999999K' is not a size" 2 rerun "$T/big.json"
grep -c "l1d_size" "$T/err" | grep -q "^1$" && [ "$(grep -o "l1d_size" "$T/err" | wc -l)" -eq 1 ] && ok ||
	bad "the option is named more than once: $(cat "$T/err")"

# --- memory this machine cannot give: status 1, not the input's 2 ---
if ldd "$TPT" 2>/dev/null | grep -q libasan; then
	echo "skip: memory limits under AddressSanitizer (its shadow memory needs more than the limit)"
else
	(ulimit -v 400000 && "$TPT" sim --scheme nested --workload gups:size=1G,updates=1K >/dev/null 2>"$T/err")
	[ $? -eq 1 ] && grep -q "cannot reserve" "$T/err" && ok || bad "a memory refusal: $(cat "$T/err")"
	(ulimit -v 300000 && "$TPT" compare --jobs 2 --workload memcached:keys=20M,ops=1K >/dev/null 2>"$T/err")
	[ $? -eq 1 ] && grep -q "need more host memory" "$T/err" && ok || bad "a generator's memory refusal: $(cat "$T/err")"
fi

one_line "probe: --phases is longer than 255 characters" 2 probe --phases "$(printf 'native,%.0s' $(seq 40))native"

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

# --- study files: names, values and files the plan reads, each checked ---
mkdir "$T/st"
S="$T/st/s.ini"
study() { printf '[study]\n%s\n' "$1" >"$S"; }
study 'command = compare
workload = gups
name = ..'
one_line "name '..' is not a plain name" 2 study plan "$S"
study 'command = compare
workload = gups
name = a
name = b'
one_line "s.ini:5: \[study\] name is given twice" 2 study plan "$S"
study 'command = compare
workload = gups
seeds = 1 01'
one_line "seed 1 is given twice" 2 study plan "$S"
study 'command = compare
workload = gups
pages = 4K/4K 4096/4K'
one_line "pages 4K/4K is given twice" 2 study plan "$S"
study 'command = compare
workload = gups
pages = 3K/4K'
one_line "pages '3K/4K' is not GUEST/HOST of 4K, 2M or 1G" 2 study plan "$S"
study 'command = compare
workload = gups
schemes = nested,nestd'
one_line "unknown scheme 'nestd'" 2 study plan "$S"
mkdir "$T/st/cfgdir"
study 'command = compare
workload = gups
config = cfgdir'
one_line "config file .*cfgdir is not a regular file" 2 study plan "$S"
study 'command = compare
workload = gups
config = /dev/zero'
timeout 20 "$TPT" study plan "$S" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "/dev/zero is not a regular file" "$T/err" && ok || bad "config = /dev/zero: $(cat "$T/err")"
mkfifo "$T/st/fifo.ini"
study 'command = policy
scenario = fifo.ini'
timeout 20 "$TPT" study plan "$S" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "is not a regular file" "$T/err" && ok || bad "a FIFO as scenario: $(cat "$T/err")"
# A plan too big to run is refused at once, whatever it would take to list.
{ printf '[study]\ncommand = compare\npages = 4K/4K 4K/2M 4K/1G 2M/4K 2M/2M 2M/1G 1G/4K 1G/2M 1G/1G\nseeds ='
  seq -s ' ' 64; for i in $(seq 64); do echo "workload = gups:updates=$i"; done
  for i in 1 2 3; do echo "config = c$i.ini"; printf '[cost]\nbase_cpi = %s\n' "$i" >"$T/st/c$i.ini"; done; } >"$S"
timeout 60 "$TPT" study plan "$S" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "plans 110592 runs; at most 100000" "$T/err" && ok || bad "a plan of 110592 runs: $(cat "$T/err")"
# A trace is read beside the study file, and its bytes name the run.
"$TPT" trace write --workload gups:size=8M,updates=1K -o "$T/st/t.tpt" 2>/dev/null
study 'command = compare
workload = trace:path=t.tpt
schemes = native'
h1=$(cd / && "$TPT" study plan "$S" | head -n 1)
echo "$h1" | grep -q " --workload trace:path=$T/st/t.tpt " && ok || bad "the trace is not beside the study: $h1"
"$TPT" trace write --workload gups:size=8M,updates=2K -o "$T/st/t.tpt" 2>/dev/null
h2=$("$TPT" study plan "$S" | head -n 1)
[ "${h1%% *}" != "${h2%% *}" ] && ok || bad "a changed trace kept its run's name ${h1%% *}"

# --- study directories: paths, not programs ---
study 'command = compare
workload = gups:size=16M,updates=1K
schemes = native'
one_line "holds a control character" 2 study run "$S" --dir "$T/a
b"
cd "$T/st" || exit 1
"$TPT" study slurm "$S" --submit --dir "x'; touch INJECTED; '" >/dev/null 2>&1
[ ! -e INJECTED ] && [ ! -e "$T/INJECTED" ] && ok || bad "a quote in --dir ran a command"
cd - >/dev/null || exit 1
if command -v parallel >/dev/null; then
	"$TPT" study run "$S" --dir "$T/Bob's results %d" >"$T/out" 2>&1 &&
		[ "$(ls "$T/Bob's results %d/runs/"*.json | wc -l)" -eq 1 ] && ok || bad "a quote in --dir: $(cat "$T/out")"
	# A long directory is not cut (1,023 characters were the limit).
	deep="$T/$(printf '%0200d/' 1 2 3 4 5 6 7)end"
	"$TPT" study run "$S" --dir "$deep" >"$T/out" 2>&1 && [ "$(ls "$deep/runs/"*.json | wc -l)" -eq 1 ] &&
		ok || bad "a directory of $(printf %s "$deep" | wc -c) characters: $(cat "$T/out")"
	# Results tpt did not write: refused in one line, nothing left behind.
	R="$T/Bob's results %d"
	f=$(ls "$R"/runs/*.json)
	cp "$f" "$T/good.json"
	echo '[1, 2, 3]' >"$f"
	one_line "runs/[0-9a-f]*.json: not a compare result: object 1 is not an object" 2 study report "$S" --dir "$R"
	echo '[{"scheme": "native", "cycles": 1}]' >"$f"
	one_line "object 1: 'workload' is not a string" 2 study report "$S" --dir "$R"
	sed 's/"cycles": [0-9.e+]*/"cycles": -5/' "$T/good.json" >"$f"
	one_line "object 1: 'cycles' is not a finite number from 0 up" 2 study report "$S" --dir "$R"
	rm "$f" && mkfifo "$f"
	timeout 20 "$TPT" study report "$S" --dir "$R" >"$T/out" 2>"$T/err"
	[ $? -eq 2 ] && grep -q "not a regular file" "$T/err" && ok || bad "a FIFO as a result: $(cat "$T/err")"
	[ -z "$(find "$R" -name '.*' -newer "$S")" ] && ok || bad "temporaries left: $(find "$R" -name '.*')"
	# Text from a result reaches the page escaped.
	rm "$f"
	sed -e 's|"workload": "gups|"workload": "<b>gups|' -e 's|"commit": "[^"]*"|"commit": "<script>x</script>"|' \
		"$T/good.json" >"$f"
	if command -v gnuplot >/dev/null && "$TPT" study report "$S" --dir "$R" >/dev/null 2>"$T/err"; then
		grep -q "<b>gups\|<script>" "$R/index.html" && bad "raw markup from a result in the page" || ok
		# The tables name a workload by its short name, made of safe characters.
		grep -q "<td>_b_gups</td>" "$R/index.html" && ok || bad "the result's workload is not on the page"
	else
		bad "study report of a result with markup: $(cat "$T/err")"
	fi
fi

finish
