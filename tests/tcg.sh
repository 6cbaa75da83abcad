#!/bin/sh
# SPDX-License-Identifier: MIT
# tcg.sh - tpt probe --tcg as a user meets it: options it does not take
# refused in one line; a QEMU that is missing, fails, refuses or hangs
# named in one line (a stand-in QEMU, $TPT_QEMU); and, where
# qemu-system-i386 runs, a real run over a small plan (16 MiB, two rounds,
# seconds; the IA-32 guest's loops and the x86-64 guest's gups): every
# row, each verdict from its ratio and noise alone, and a
# fragment, every value commented, that tpt dbt loads and with which it
# models the calibrated rows as the probe did. Nothing here judges the
# machine's speed (the suite runs on loaded machines).
# Usage: tcg.sh PATH/TO/tpt
TPT=$1
. "$(dirname "$0")/lib.sh"

one_line "does not take --updates" 2 probe --tcg --updates 1M
one_line "does not take --phases" 2 probe --tcg --phases native
one_line "does not take --outer-page" 2 probe --tcg --outer-page 2M
one_line "at most 1G" 2 probe --tcg --size 2G
one_line "32-bit key" 2 probe --tcg --seed 4294967296

# Stand-ins for QEMU: missing, failing, a guest that refuses, one that hangs.
export TPT_QEMU="$T/no-such-qemu"
one_line "is not there or does not run" 1 probe --tcg --allow-busy
unset TPT_QEMU
export TPT_QEMU_X86_64="$T/no-such-qemu"
one_line "TPT_QEMU_X86_64 names another" 1 probe --tcg --allow-busy
cat >"$T/qemu" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "QEMU emulator version 0.0 (stand-in)"; exit 0; }
case $MODE in
fail) echo "qemu: could not load kernel" >&2; exit 1 ;;
refuse) echo "error the plan needs tsc_khz"; exit 3 ;;
hang) sleep 30 ;;
esac
SH
chmod +x "$T/qemu"
export TPT_QEMU="$T/qemu" TPT_QEMU_X86_64="$T/qemu"
MODE=fail one_line "failed: qemu: could not load kernel" 1 probe --tcg --allow-busy
MODE=refuse one_line "the guest refused: error the plan needs" 1 probe --tcg --allow-busy
MODE=hang one_line "ran longer than 1 s" 1 probe --tcg --allow-busy --watchdog 1
ls "$T"/tpt-tcg-guest.* >/dev/null 2>&1 && bad "a temporary guest image was left behind" || ok
unset TPT_QEMU TPT_QEMU_X86_64

if ! qemu-system-i386 --version >/dev/null 2>&1 || ! qemu-system-x86_64 --version >/dev/null 2>&1; then
	echo "skipped: qemu-system-i386 or qemu-system-x86_64 is not installed (Debian's qemu-system-x86); no real TCG run"
	finish
	exit
fi
TMPDIR=$T "$TPT" probe --tcg --size 16M --rounds 2 --allow-busy --calibrate "$T/cal.ini" \
	--json "$T/cal.json" >"$T/cal.txt" 2>"$T/err" && ok || bad "probe --tcg --calibrate: $(cat "$T/err")"
ls "$T"/tpt-tcg-guest.* >/dev/null 2>&1 && bad "the guest image was left behind" || ok
for k in clock_ghz dbt_cpi softmmu_fill_instrs dbt_mlp dbt_rob l2_size dram_latency; do
	grep -q "^$k = " "$T/cal.ini" && ok || bad "the fragment lacks $k: $(cat "$T/cal.ini")"
done
awk '/^[a-z_0-9]+ = / && prev !~ /^; / && prev !~ /^[a-z_0-9]+ = / { bad = 1 } { prev = $0 } END { exit bad }' \
	"$T/cal.ini" && ok || bad "a calibrated value without its comment"
python3 - "$T/cal.json" <<'PY' && ok || bad "probe --tcg rows or verdicts"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 10, len(rows)
assert sorted({r["tlb_bits"] for r in rows}) == [8, 13], rows
assert [r["guest"] for r in rows] == ["ia32"] * 8 + ["x86_64"] * 2, rows
assert all(r["loop"] == "gups" and r["workload"].startswith("tcgloop:loop=gups") for r in rows[8:]), rows
assert sorted(r["calibrates"] for r in rows if r["calibrates"]) == ["dbt_cpi", "dbt_rob", "softmmu_fill_instrs"]
for r in rows:
    assert r["ns"] > 0 and r["model_ns"] > 0 and len(r["samples"]) == 2, r
    want = "noisy" if r["noise"] > 1.25 else "within" if abs(r["model_ns"] / r["ns"] - 1) <= 0.25 else "off"
    assert r["verdict"] == want, r
PY
# tpt dbt with the fragment models the row that calibrates dbt_cpi (2^8
# entries, tpt dbt's default) as the probe did, from the row's own spec.
set -- $(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["calibrates"] == "dbt_cpi":
        print(r["workload"], r["iters"], r["model_ns"])' "$T/cal.json")
"$TPT" dbt --guest ia32 --scheme softmmu --workload "$1" --config "$T/cal.ini" --json "$T/dbt.json" \
	>/dev/null 2>"$T/err" && ok || bad "tpt dbt with the fragment: $(cat "$T/err")"
clock=$(sed -n 's/^clock_ghz = //p' "$T/cal.ini")
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ns = s["cycles"] / float(sys.argv[2]) / float(sys.argv[4])
assert abs(ns / float(sys.argv[3]) - 1) < 1e-6, (ns, sys.argv[3])' "$T/dbt.json" "$2" "$3" "$clock" && ok ||
	bad "tpt dbt with the fragment does not model the probe's row as the probe did"
grep -q "within 25 %" "$T/cal.txt" && ok || bad "the text report lacks its verdict line: $(cat "$T/cal.txt")"
finish
