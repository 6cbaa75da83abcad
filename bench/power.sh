#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/power.sh BUILD_DIR - the embedded Power model's speed: every
# workload under every scheme (tpt power --workload all), the privileged
# instructions simulated a second and the peak memory of the run.
set -eu
B=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/time -f "%e %M" -o "$T/time" "$B/tpt" power --workload all --json "$T/p.json" >/dev/null
python3 - "$T/p.json" "$T/time" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
secs, kib = open(sys.argv[2]).read().split()
n = sum(r["privileged_instructions"] for r in runs)
print("tpt power --workload all: %d runs, %.1f M privileged instructions in %s s: %.1f M/s, peak %.0f MiB"
      % (len(runs), n / 1e6, secs, n / float(secs) / 1e6, int(kib) / 1024))
PY
