#!/bin/sh
# SPDX-License-Identifier: MIT
# slurm.sh - tpt study on a cluster, for real: starts a single-node Slurm
# of its own (munged, slurmctld and slurmd on this host, in a scratch
# directory, on ports of its own), runs the small versions of both
# paper-scale studies (studies/tpt-atc23-small.ini, studies/auto-tpt-small.ini)
# through it with `tpt study slurm --submit` and locally with `tpt study
# run`, and checks that the merged results are the same; then stops it all.
# Skips, saying why, where this machine cannot have a Slurm: not root, or
# Debian's slurm-wlm and munge not installed (make deps installs them).
# Usage: slurm.sh PATH/TO/tpt
TPT=$1
. "$(dirname "$0")/lib.sh"
STUDIES="$(dirname "$0")/../studies"

one_line "usage: tpt study plan FILE" 2 study slurm
one_line "slurm takes no --jobs" 2 study slurm "$STUDIES/tpt-atc23-small.ini" --jobs 2

for b in munged slurmctld slurmd sbatch squeue parallel gnuplot; do
	if ! command -v "$b" >/dev/null; then
		echo "SKIP: $b is not installed (make deps installs slurm-wlm, munge, parallel and gnuplot)"
		finish
		exit $?
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: a single-node Slurm of the test's own needs root (slurmd runs each job as its user)"
	finish
	exit $?
fi

# Without a Slurm, --submit says so in one line.
: >"$T/empty.conf"
SLURM_CONF="$T/empty.conf" one_line "is Slurm running here?" 2 study slurm "$STUDIES/tpt-atc23-small.ini" --dir "$T/nos" --submit

# The cluster: munge with a key of its own, then the controller and the node.
S="$T/slurm"
mkdir -p "$S/munge" "$S/spool" "$S/state"
chmod 700 "$S/munge"
head -c 1024 /dev/urandom >"$S/munge.key"
chmod 600 "$S/munge.key"
stop() {
	[ -f "$S/slurmd.pid" ] && kill "$(cat "$S/slurmd.pid")" 2>/dev/null
	[ -f "$S/slurmctld.pid" ] && kill "$(cat "$S/slurmctld.pid")" 2>/dev/null
	[ -f "$S/munge/munged.pid" ] && kill "$(cat "$S/munge/munged.pid")" 2>/dev/null
	sleep 1
	rm -rf "$T"
}
trap stop EXIT
munged --force --key-file="$S/munge.key" --socket="$S/munge/munge.sock" --pid-file="$S/munge/munged.pid" \
	--log-file="$S/munge/munged.log" --seed-file="$S/munge/seed" || { bad "munged did not start"; finish; exit 1; }
port=$((20000 + ($$ % 10000) * 2))
host=$(hostname -s)
mem=$(awk '/MemTotal/ { print int($2 / 1024) - 512 }' /proc/meminfo)
cat >"$S/slurm.conf" <<EOF
ClusterName=tpttest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge/munge.sock
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=tpt Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$S/slurm.conf"
slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || { bad "slurmctld or slurmd did not start"; finish; exit 1; }
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
	i=$((i + 1))
	[ $i -gt 60 ] && { bad "the node never came up: $(tail -n 3 "$S/slurmctld.log")"; finish; exit 1; }
	sleep 1
done
ok

for study in tpt-atc23-small auto-tpt-small; do
	f="$STUDIES/$study.ini"
	# A directory a user may well name: a quote, a space, a '%' that Slurm
	# would read as a pattern.
	sd="$T/$study's s%A"
	# The scripts alone: one array job per size of memory, a task per run.
	"$TPT" study slurm "$f" --dir "$sd" >"$T/out" 2>"$T/err" && grep -q "^sbatch " "$T/out" &&
		[ "$(cat "$sd"/slurm/*.jobs | wc -l)" -eq "$("$TPT" study plan "$f" | grep -c '^[0-9a-f]')" ] &&
		grep -q "^#SBATCH --mem=[0-9]*M$" "$sd"/slurm/*.sbatch && ok ||
		bad "$study: study slurm: $(cat "$T/out" "$T/err")"
	# Submitted and waited for, then merged; and the same study run here.
	"$TPT" study slurm "$f" --dir "$sd" --submit >"$T/out" 2>"$T/err" &&
		grep -q "0 failed" "$T/out" && ok || bad "$study: through Slurm: $(cat "$T/out" "$T/err")"
	[ "$(ls "$sd"/logs/slurm-*.out 2>/dev/null | wc -l)" -gt 0 ] && ok ||
		bad "$study: no Slurm task logs: the runs did not go through Slurm"
	"$TPT" study run "$f" --dir "$T/$study-l" --jobs 2 >"$T/out" 2>"$T/err" && ok ||
		bad "$study: locally: $(cat "$T/out" "$T/err")"
	"$TPT" study report "$f" --dir "$sd" >/dev/null 2>"$T/err" &&
		"$TPT" study report "$f" --dir "$T/$study-l" >/dev/null 2>>"$T/err" && ok ||
		bad "$study: report: $(cat "$T/err")"
	tail -n +2 "$sd/results.csv" >"$T/a"
	tail -n +2 "$T/$study-l/results.csv" >"$T/b"
	[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" && ok || bad "$study: Slurm and local results differ"
	# Submitting again does nothing: every run has its result.
	"$TPT" study slurm "$f" --dir "$sd" --submit >"$T/out" 2>&1 && grep -q "all [0-9]* runs done" "$T/out" &&
		ok || bad "$study: resubmitted: $(cat "$T/out")"
done
# The policy study's report: a row per run and policy, the before and after
# columns, and a timeline plot per run.
head -n 2 "$T/auto-tpt-small-l/results.csv" | tail -n 1 | grep -q "^workload,guest_page,host_page,seed,config,policy,.*before_walk_refs,.*after_cycles,before_walk_stall,after_walk_stall$" &&
	[ "$(grep -c ',auto,' "$T/auto-tpt-small-l/results.csv")" -eq 6 ] &&
	[ "$(ls "$T/auto-tpt-small-l"/plots/timeline-*.svg | wc -l)" -eq 6 ] && ok ||
	bad "policy report: $(head -n 3 "$T/auto-tpt-small-l/results.csv")"
# tables.md ends with the automatic policy's account: a row per run, the
# before and after columns filled where it enabled TPT (gups at 4K/4K) and
# empty where it did not.
python3 - "$T/auto-tpt-small-l" <<'PY' && ok || bad "auto table: $(tail -n 9 "$T/auto-tpt-small-l/tables.md")"
import csv, sys
d = sys.argv[1]
md = open(d + "/tables.md").read().split("The automatic policy: its costs")[1].strip().splitlines()
rows = [l.strip("|").split(" | ") for l in md[4:]]
assert len(rows) == 6, rows
auto = {(r["workload"].split(":")[0], r["guest_page"] + "/" + r["host_page"]): r
        for r in csv.DictReader(l for l in open(d + "/results.csv") if not l.startswith("#")) if r["policy"] == "auto"}
for r in rows:
    r = [c.strip() for c in r]
    c = auto[(r[0], r[1])]
    assert r[2] == "-", r  # one config and seed: the run has no name
    assert abs(float(r[3]) - float(c["speedup_vs_never"])) < 1e-3, r
    if c["before_refs_per_walk"]:
        assert abs(float(r[7]) - float(c["before_refs_per_walk"])) < 0.01 and r[8] != "-", r
    else:
        assert r[7:] == ["-"] * 6, r
assert any(r[7] != "-" for r in rows), rows
# Small percentages keep their digits (profiling is about 0.003 % of cycles).
prof = open(d + "/tables.md").read().split("profiling, % of cycles, guest 4K pages on host 4K:")[1]
auto_col = [l.strip("|").split(" | ")[-1].strip() for l in prof.strip().splitlines()[2:4]]
assert all(float(v) > 0 and len(v.replace("0.", "").lstrip("0").replace("e-", "")) >= 3 for v in auto_col), auto_col
PY
finish
