#!/bin/sh
# SPDX-License-Identifier: MIT
# study.sh - tpt study as a user meets it: a study file's bad input refused
# in one line; the plan of studies/smoke-small.ini; the study run on every
# core through GNU parallel, one JSON result a run; run again, nothing
# redone; a study killed mid-way resumed, only its unfinished runs run; a
# failing run reported with its command while the others finish.
# Usage: study.sh PATH/TO/tpt
TPT=$1
. "$(dirname "$0")/lib.sh"
STUDY="$(dirname "$0")/../studies/smoke-small.ini"

one_line "usage: tpt study plan FILE" 2 study
one_line "cannot open study" 2 study plan "$T/none.ini"
printf '[study]\ncommand = compare\nworkload = gups\ncolour = red\n' >"$T/s.ini"
one_line "s.ini:4: unknown key 'colour'" 2 study plan "$T/s.ini"
printf '[study]\ncommand = sim\nworkload = gups\n' >"$T/s.ini"
one_line "s.ini:2: \[study\] command: 'sim' is not one of compare|policy" 2 study plan "$T/s.ini"
printf '[study]\ncommand = compare\nworkload = gups:colour=1\n' >"$T/s.ini"
one_line "unknown key 'colour'" 2 study plan "$T/s.ini"
printf '[study]\ncommand = compare\nworkload = gups\npages = 4K-2M\n' >"$T/s.ini"
one_line "pages '4K-2M' is not GUEST/HOST" 2 study plan "$T/s.ini"
one_line "--jobs: '0' is not a whole number" 2 study run "$STUDY" --jobs 0
one_line "unknown option '--frob'" 2 study run "$STUDY" --frob
printf '[study]\ncommand = compare\nworkload = gups\nworkload = gups\n' >"$T/s.ini"
one_line "runs 1 and 2 are the same run" 2 study plan "$T/s.ini"

# Every shipped study file plans: its workloads, configs and schemes are valid.
for f in "$(dirname "$0")"/../studies/*.ini; do
	"$TPT" study plan "$f" >"$T/plan" 2>&1 && ok || bad "study plan $f: $(tail -n 1 "$T/plan")"
done

if ! command -v parallel >/dev/null || ! command -v gnuplot >/dev/null; then
	echo "SKIP: GNU parallel or gnuplot is not installed (make deps installs them): the runs are not tested"
	finish
	exit $?
fi

# The plan: 2 workloads x 2 page pairs, each a compare of three schemes.
"$TPT" study plan "$STUDY" >"$T/plan" && [ "$(grep -c '^[0-9a-f]\{16\} tpt compare ' "$T/plan")" -eq 4 ] &&
	tail -n 1 "$T/plan" | grep -q "^# study smoke-small: 4 runs$" && ok || bad "study plan: $(cat "$T/plan")"
[ "$(grep -v '^#' "$T/plan" | cut -d' ' -f1 | sort -u | wc -l)" -eq 4 ] && ok || bad "study plan: run names not distinct"

# Run it, then again: nothing is redone.
"$TPT" study run "$STUDY" --jobs 2 --dir "$T/r" >"$T/out" 2>"$T/err" &&
	[ "$(ls "$T/r/runs" | wc -l)" -eq 4 ] && grep -q "4 runs, 0 done before, 4 run now, 0 failed" "$T/out" &&
	ok || bad "study run: $(cat "$T/out" "$T/err")"
# Each run's log ends with its peak memory (GNU time), and the study says the largest.
if [ -x /usr/bin/time ]; then
	grep -q "the largest run peaked at [0-9.]* GiB ([0-9a-f]\{16\})" "$T/out" &&
		[ "$(grep -l '^tpt study: peak memory [0-9]* KiB' "$T"/r/logs/*.log | wc -l)" -eq 4 ] && ok ||
		bad "no peak memory: $(cat "$T/out")"
fi
for f in "$T"/r/runs/*.json; do
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 3, d' "$f" || bad "$f: not three schemes"
done
"$TPT" study run "$STUDY" --dir "$T/r" >"$T/out" && grep -q "all 4 runs done" "$T/out" && ok ||
	bad "study run again: $(cat "$T/out")"
# A run's result is what the same command gives alone.
h=$(head -n 1 "$T/plan" | cut -d' ' -f1)
cmd=$(head -n 1 "$T/plan" | cut -d' ' -f3-)
eval "\"\$TPT\" $(echo "$cmd" | sed 's/--workload \([^ ]*\)/--workload "\1"/') --json \"\$T/alone.json\"" >/dev/null 2>&1
python3 - "$T/alone.json" "$T/r/runs/$h.json" <<'PY' && ok || bad "a study's run differs from its command alone"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
strip = lambda d: [{k: v for k, v in x.items() if k != "provenance"} for x in d]
assert strip(a) == strip(b)
PY

# The report: a row per run and scheme, CSV and JSON alike.
# A FIFO where gnuplot's log goes is neither waited on nor replaced.
mkdir -p "$T/r/plots" && mkfifo "$T/r/plots/plots.gp.log"
"$TPT" study report "$STUDY" --dir "$T/r" >"$T/out" && python3 - "$T/r" <<'PY' && ok || bad "study report: $(cat "$T/out")"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(l for l in open(d + "/results.csv") if not l.startswith("#")))
doc = json.load(open(d + "/results.json"))
assert len(rows) == 12 == len(doc["rows"]), len(rows)
assert {r["scheme"] for r in rows} == {"native", "nested", "tpt-opt"}
for r, j in zip(rows, doc["rows"]):
    assert r["workload"] == j["workload"] and r["scheme"] == j["scheme"]
    assert abs(float(r["cycles"]) / j["cycles"] - 1) < 1e-5
    if r["scheme"] == "nested":
        assert float(r["speedup_over_nested"]) == 1
    assert 0 <= float(r["walk_share"]) < 1
PY
[ -p "$T/r/plots/plots.gp.log" ] && ok || bad "the FIFO at plots.gp.log was replaced"
# Figures: speed-up over nested, references per walk and walk share (no
# shadow scheme here, so no speed-up over shadow), each with a panel per
# page pair; the page holds each of them inline with its caption, and the
# tables pivoted (a row per workload, a column per scheme).
[ "$(ls "$T"/r/plots/*.svg | wc -l)" -eq 3 ] && [ ! -e "$T/r/plots/speedup-shadow.svg" ] && ok ||
	bad "study report: plots $(ls "$T/r/plots")"
# nested is the line at 1, not a bar; the geometric mean is a group; a
# share is plotted as a percentage.
python3 - "$T/r/plots" <<'PY' && ok || bad "the figures' data: $(cat "$T/r/plots/speedup-nested-4K-4K.dat")"
import math, sys
d = sys.argv[1]
rows = [l.split() for l in open(d + "/speedup-nested-4K-4K.dat")]
assert rows[0] == ["workload", "native", "tpt-opt"], rows[0]
v = {r[0]: [float(x) for x in r[1:]] for r in rows[1:]}
assert set(v) == {"gups", "sysbench", "gmean"}, v
for j in range(2):
    assert abs(v["gmean"][j] - math.sqrt(v["gups"][j] * v["sysbench"][j])) < 1e-4, v
w = [l.split() for l in open(d + "/walk-share-4K-4K.dat")][1:]
assert max(float(x) for r in w for x in r[1:]) > 5, w  # nested's walk stall, in %
PY
[ "$(grep -c '^| workload |' "$T/r/tables.md")" -eq 6 ] && [ "$(grep -c '^| gmean |' "$T/r/tables.md")" -eq 2 ] &&
	grep -q '^| gups | 1.[0-9][0-9] | 1.[0-9][0-9] |' "$T/r/tables.md" &&
	ok || bad "tables.md: $(head -n 8 "$T/r/tables.md")"
[ "$(grep -c '<svg' "$T/r/index.html")" -eq 3 ] && [ "$(grep -c '<tr>' "$T/r/index.html")" -eq 20 ] &&
	[ "$(grep -c '<figcaption><b>Figure [1-3].</b> ' "$T/r/index.html")" -eq 3 ] &&
	grep -q "The dashed line at 1 is nested itself" "$T/r/index.html" && ok ||
	bad "index.html: $(grep -c '<svg' "$T/r/index.html") plots, $(grep -c '<tr>' "$T/r/index.html") table rows"

# The page as a person opens it: headless Chromium lays out every plot
# (each SVG's drawn box and its bars, read back from the rendered page),
# each with its y axis's label and unit, two panels, and a caption.
if command -v chromium >/dev/null; then
	cp "$T/r/index.html" "$T/check.html"
	cat >>"$T/check.html" <<'JS'
<script>
var out = [];
document.querySelectorAll("figure.plot svg").forEach(function (s) {
  var b = s.getBBox(), t = s.textContent;
  var label = /\(x\)|references per walk|% of cycles/.test(t) ? "label" : "nolabel";
  var panels = (t.match(/guest 4K pages, host/g) || []).length;
  var cap = s.parentNode.querySelector("figcaption") ? "caption" : "nocaption";
  out.push(Math.round(b.width) + "x" + Math.round(b.height) + " " + s.querySelectorAll("path").length +
    " " + label + " " + panels + " " + cap);
});
var p = document.createElement("pre"); p.id = "rendered"; p.textContent = out.join(" | "); document.body.appendChild(p);
</script>
JS
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" --dump-dom \
		"file://$T/check.html" 2>/dev/null | sed -n 's/.*<pre id="rendered">\(.*\)<\/pre>.*/\1/p' >"$T/rendered"
	python3 - "$T/rendered" <<'PY' && ok || bad "Chromium did not render every plot: $(cat "$T/rendered")"
import sys
plots = open(sys.argv[1]).read().strip().split(" | ")
assert len(plots) == 3, plots
for p in plots:
    box, paths, label, panels, cap = p.split()
    w, h = map(int, box.split("x"))
    assert w >= 700 and h >= 300 and int(paths) >= 20, p
    assert label == "label" and panels == "2" and cap == "caption", p
PY
else
	echo "SKIP: Chromium is not installed (make deps installs it): the page is not checked"
fi

# The report names the builds that made the runs (a run's name holds the
# release, not the commit), and says so when they are more than one.
c=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["provenance"]["commit"])' "$T/r/runs/$h.json")
head -n 1 "$T/r/results.csv" | grep -q "; runs made at commit $c\$" && grep -q "4 runs, made at commit $c;" "$T/r/index.html" &&
	ok || bad "report provenance: $(head -n 1 "$T/r/results.csv")"
python3 - "$T/r/runs/$h.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d:
    x["provenance"]["commit"] = "0123456789ab"
json.dump(d, open(sys.argv[1], "w"))
PY
"$TPT" study report "$STUDY" --dir "$T/r" >/dev/null 2>"$T/err" &&
	grep -q "note: .* runs were made by more than one build, commits 0123456789ab (1 run), $c (3 runs);" "$T/err" &&
	head -n 1 "$T/r/results.csv" | grep -q "runs made at commits 0123456789ab (1 run), $c (3 runs)\$" &&
	python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["run_commits"] == {sys.argv[2]: 3, "0123456789ab": 1}' \
		"$T/r/results.json" "$c" && ok || bad "mixed builds: $(cat "$T/err")"

# Killed mid-way: the next run does only what is missing.
rm -f "$T"/r/runs/*.json
"$TPT" study run "$STUDY" --jobs 1 --dir "$T/r" >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(ls "$T/r/runs" | wc -l)" -lt 1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM -- $pid 2>/dev/null
pkill -TERM -f "joblog $T/r/joblog.txt" 2>/dev/null
wait $pid 2>/dev/null
sleep 1
pkill -KILL -f "$T/r/runs" 2>/dev/null
done_before=$(ls "$T/r/runs" | wc -l)
"$TPT" study run "$STUDY" --jobs 2 --dir "$T/r" >"$T/out" 2>"$T/err"
[ "$done_before" -ge 1 ] && [ "$done_before" -lt 4 ] &&
	grep -q "4 runs, $done_before done before, $((4 - done_before)) run now, 0 failed" "$T/out" && ok ||
	bad "resume after $done_before of 4: $(cat "$T/out" "$T/err")"

rm -f "$T"/r/runs/"$h".json
one_line "1 of 4 runs have no result" 1 study report "$STUDY" --dir "$T/r"

# A failing run is reported with its command; the others finish.
printf '[study]\ncommand = compare\nworkload = gups:size=64M,updates=1K\npages = 4K/4K 1G/4K\nschemes = native\n' >"$T/f.ini"
"$TPT" study run "$T/f.ini" --dir "$T/f" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && [ "$(ls "$T/f/runs" | wc -l)" -eq 1 ] && grep -q "run [0-9a-f]* failed (log .*): tpt compare .*--guest-page 1G" "$T/err" &&
	ok || bad "failing run: rc $rc, $(cat "$T/out" "$T/err")"
# A single run's figure and rows (compare and policy --plot, --csv): the
# study report's columns, the figure laid out by Chromium with a panel per
# metric, each titled with its y axis labelled; the files left out of the
# provenance; refused where they make no sense.
W=gups:size=64M,updates=20K
"$TPT" compare --workload $W --schemes native,nested,tpt-opt --plot "$T/c.svg" --csv "$T/c.csv" \
	--json "$T/c.json" >"$T/c.txt" && ok || bad "compare --plot --csv"
head -n 2 "$T/c.csv" | tail -n 1 | grep -q "^workload,guest_page,host_page,seed,config,scheme,cycles,.*,speedup_over_shadow$" &&
	[ "$(grep -c ',tpt-opt,' "$T/c.csv")" -eq 1 ] && [ "$(wc -l <"$T/c.csv")" -eq 5 ] && ok ||
	bad "compare --csv: $(cat "$T/c.csv")"
grep -q '"plot"\|c.svg\|c.csv' "$T/c.json" && bad "the provenance names --plot or --csv" || ok
# A sampled run's rows carry its cycles' 95 % half-width, an exact run's
# none; the sampled study's tables have the interval's table.
"$TPT" compare --workload gups:size=64M,updates=3M --schemes native,nested --sample --csv "$T/cs.csv" >/dev/null &&
	awk -F, 'NR > 2 && !($(NF-9) > 0 && $(NF-9) < 0.2) { bad = 1 } END { exit bad || NR != 4 }' "$T/cs.csv" &&
	awk -F, 'NR > 2 && $(NF-9) != "" { bad = 1 } END { exit bad }' "$T/c.csv" && ok ||
	bad "cycles_ci95: $(cat "$T/cs.csv")"
printf '[study]\ncommand = compare\nsample = yes\nworkload = gups:size=64M,updates=3M\nschemes = native\n' >"$T/s.ini"
"$TPT" study run "$T/s.ini" --dir "$T/s" >/dev/null 2>&1 && "$TPT" study report "$T/s.ini" --dir "$T/s" >/dev/null && grep -q "^95 % half-width, % of cycles, guest 4K" "$T/s/tables.md" &&
	ok || bad "a sampled study's interval table: $(cat "$T/s/tables.md" 2>&1 | head -5)"
# A sampled policy study's timeline steps by windows (each stands for
# several intervals), and its plot still draws.
printf '[study]\ncommand = policy\nsample = yes\nworkload = gups:size=256M,updates=2M\n' >"$T/sp.ini"
"$TPT" study run "$T/sp.ini" --dir "$T/sp" >/dev/null 2>&1 && "$TPT" study report "$T/sp.ini" --dir "$T/sp" >"$T/sp.out" 2>&1 &&
	ls "$T"/sp/plots/timeline-*.svg >/dev/null 2>&1 && ok || bad "a sampled policy study's report: $(cat "$T/sp.out")"
# Two configs: each (scheme, config) a series of its own, named after the
# config's file, not the first config's row drawn for both.
printf '[cost]\nbase_cpi = 1\n' >"$T/c1.ini"
printf '[cost]\nbase_cpi = 3\n' >"$T/c3.ini"
printf '[study]\ncommand = compare\nworkload = gups:size=64M,updates=200K\nschemes = native\nconfig = c1.ini\nconfig = c3.ini\n' >"$T/cf.ini"
"$TPT" study run "$T/cf.ini" --dir "$T/cf" >/dev/null 2>&1 && "$TPT" study report "$T/cf.ini" --dir "$T/cf" >"$T/cf.out" 2>&1 &&
	grep -q "^| workload | native c1 | native c3 |" "$T/cf/tables.md" &&
	awk -F'|' '/^walk stall/ { w = 1 } w && /^\| gups / { exit !($3 + 0 > $4 + 0) }' "$T/cf/tables.md" && ok ||
	bad "a study of two configs: $(cat "$T/cf.out"; head -n 5 "$T/cf/tables.md")"
# A policy study of two configs: the automatic policy's account has a row
# for each, named after its config.
printf '[study]\ncommand = policy\nworkload = gups:size=64M,updates=1M\nconfig = c1.ini\nconfig = c3.ini\n' >"$T/pc.ini"
"$TPT" study run "$T/pc.ini" --dir "$T/pc" >/dev/null 2>&1 && "$TPT" study report "$T/pc.ini" --dir "$T/pc" >"$T/pc.out" 2>&1 &&
	grep -q "^| gups | 4K/4K | c1 | " "$T/pc/tables.md" && grep -q "^| gups | 4K/4K | c3 | " "$T/pc/tables.md" &&
	ok || bad "a policy study of two configs: $(cat "$T/pc.out"; tail -n 4 "$T/pc/tables.md")"
# A policy study with baselines: each scheme a column beside the policies;
# shadow loses to never where the oracle gains, a negative share.
printf '[study]\ncommand = policy\nworkload = gups:size=64M,updates=1M\nschemes = nested,shadow\n' >"$T/pb.ini"
"$TPT" study run "$T/pb.ini" --dir "$T/pb" >/dev/null 2>&1 && "$TPT" study report "$T/pb.ini" --dir "$T/pb" >"$T/pb.out" 2>&1 &&
	grep -q "^| workload | always | by-name | threshold | oracle | auto | nested | shadow |" "$T/pb/tables.md" &&
	grep -q ",shadow,.*,-[0-9]" "$T/pb/results.csv" && ok || bad "a policy study's baselines: $(cat "$T/pb.out")"
"$TPT" compare --workload $W --schemes native,nested --csv - >"$T/c2.csv" && head -n 1 "$T/c2.csv" | grep -q "^# tpt compare" &&
	[ "$(wc -l <"$T/c2.csv")" -eq 4 ] && ok || bad "--csv - is not the CSV alone: $(head -n 3 "$T/c2.csv")"
"$TPT" policy --workload gups:size=256M,updates=1M --plot "$T/p.svg" --csv "$T/p.csv" >/dev/null &&
	[ "$(grep -c ',auto,' "$T/p.csv")" -eq 1 ] && ok || bad "policy --plot --csv"
one_line "--plot and --csv are for compare and policy" 2 sim --scheme native --workload $W --plot "$T/x.svg"
one_line "--plot needs a file" 2 compare --workload $W --plot -
one_line "would share standard output" 2 compare --workload $W --json - --csv -
if command -v chromium >/dev/null; then
	for f in c p; do
		cat >"$T/$f.html" <<HTML
<!DOCTYPE html><html><body>$(sed 1d "$T/$f.svg")
<script>
var s = document.querySelector("svg"), t = s.textContent, b = s.getBBox();
var p = document.createElement("pre"); p.id = "rendered";
p.textContent = Math.round(b.width) + " " + s.querySelectorAll("path").length + " " +
  [/speed-up over (nested paging|never) \(x\)/, /% of cycles/, /tpt (compare|policy): gups/].map(function (r) { return r.test(t) ? 1 : 0; }).join("");
document.body.appendChild(p);
</script></body></html>
HTML
		timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" --dump-dom \
			"file://$T/$f.html" 2>/dev/null | sed -n 's/.*<pre id="rendered">\(.*\)<\/pre>.*/\1/p' >"$T/$f.r"
		read -r w paths labels <"$T/$f.r"
		[ "${w:-0}" -ge 600 ] && [ "${paths:-0}" -ge 20 ] && [ "$labels" = 111 ] && ok ||
			bad "the $f figure as Chromium lays it out: $(cat "$T/$f.r")"
	done
fi
finish
