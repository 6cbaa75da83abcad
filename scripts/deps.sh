#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh [build|check] [PACKAGE...] - installs the Debian packages a make
# target needs, if any are missing: `build` what building and running tpt
# needs (make run, make build; valgrind: tpt's own
# Valgrind tool is built against it), `check` that and what the test suite starts
# (make check); more packages may be named (make fuzz adds clang). Waits
# for another apt or dpkg that holds the package lock, up to TPT_APT_WAIT
# seconds (default 600), saying so once. Safe to run again.
set -eu
build="build-essential cmake pkg-config libcmocka-dev libinih-dev libjansson-dev \
libzstd-dev liblzma-dev libpfm4-dev libsystemd-dev groff-base valgrind"
check="man-db time parallel gnuplot-nox chromium slurm-wlm munge qemu-system-x86"
pkgs=$build
case ${1:-build} in
build) ;;
check) pkgs="$build $check" ;;
*) echo "deps: no package set '$1' (build or check)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
pkgs="$pkgs $*"
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

wait=${TPT_APT_WAIT:-600}
poll=${TPT_APT_POLL:-5}
# apt-get "$@", again while another process holds apt's or dpkg's lock.
apt() {
	deadline=$(($(date +%s) + wait))
	said=""
	while :; do
		if out=$(apt-get -o DPkg::Lock::Timeout="$poll" "$@" 2>&1); then
			return 0
		fi
		case $out in
		*"Could not get lock"* | *"Unable to acquire"* | *"is held by process"*) ;;
		*)
			printf '%s\n' "$out" >&2
			return 1
			;;
		esac
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "deps: another apt or dpkg still holds the package lock after $wait s; run again when it is done" >&2
			return 1
		fi
		if [ -z "$said" ]; then
			echo "deps: another apt or dpkg holds the package lock; waiting (up to $wait s)" >&2
			said=1
		fi
		sleep "$poll"
	done
}

echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt update -qq
# shellcheck disable=SC2086
apt install -y -qq --no-install-recommends $missing
