#!/bin/sh
# SPDX-License-Identifier: MIT
# package.sh - the Debian package end to end on this machine (as root):
# builds it (make deb), installs it, uses what it installed (tpt --version,
# man tpt, a shipped scenario by name, tptd --probe, the unit under
# systemd-analyze verify, bash completion), then purges it. Prints each
# step's result; exits non-zero at the first that fails.
#   bench/package.sh            from the source tree's top
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "package.sh: run as root (it installs the package)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' tpt 2>/dev/null | grep -q "install ok installed"; then
	echo "package.sh: a tpt package is installed already; remove it first" >&2
	exit 1
fi
step() { printf '== %s\n' "$*"; }

step "make deb"
make -s deb >/tmp/package-build.$$ 2>&1 || { tail -n 30 /tmp/package-build.$$; exit 1; }
rm -f /tmp/package-build.$$
deb=$(ls build-deb/tpt_*_*.deb)
printf '%s  %s bytes\n' "$deb" "$(stat -c %s "$deb")"
step "lintian (errors and warnings)"
if [ -s build-deb/lintian.txt ]; then cat build-deb/lintian.txt; else echo "no tags"; fi
trap 'dpkg --purge tpt >/dev/null 2>&1 || true' EXIT

step "install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null 2>&1 ||
	dpkg -i "$deb"
dpkg-query -W -f='${Package} ${Version} ${Installed-Size} KiB installed\n' tpt
step "tpt --version"
/usr/bin/tpt --version
step "man tpt (first lines)"
MANWIDTH=80 man tpt 2>/dev/null | head -n 6
step "a shipped scenario by name"
/usr/bin/tpt sim --scheme nested --scenario compute 2>&1 | grep -E "^(scheme|estimated cycles)" 
step "tptd --probe"
/usr/sbin/tptd --probe | head -n 12
step "systemd-analyze verify"
systemd-analyze verify /usr/lib/systemd/system/tptd.service && echo "the unit verifies"
systemctl is-enabled tptd 2>/dev/null || echo "(not enabled)"
step "bash completion"
bash -c '. /usr/share/bash-completion/completions/tpt; COMP_WORDS=(tpt ""); COMP_CWORD=1; _tpt; echo "${COMPREPLY[*]}"'
step "purge"
dpkg --purge tpt >/dev/null && echo "removed"
[ ! -e /usr/bin/tpt ] && [ ! -e /etc/tptd/tptd.conf ] && echo "nothing left in /usr/bin or /etc/tptd"
trap - EXIT
