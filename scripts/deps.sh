#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages tpt needs to build, test and run, if any are
# missing, and any packages named as arguments (make fuzz adds clang).
# Called by `make run`, `make check` and `make fuzz`; safe to run again.
set -eu
pkgs="build-essential cmake pkg-config libcmocka-dev libinih-dev libjansson-dev \
libzstd-dev liblzma-dev libpfm4-dev libsystemd-dev valgrind groff-base man-db time parallel gnuplot-nox chromium slurm-wlm munge $*"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
