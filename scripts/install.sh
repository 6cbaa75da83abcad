#!/bin/sh
# SPDX-License-Identifier: MIT
# install.sh BUILD [PREFIX] - installs a build (make install): under umask
# 022 whatever the caller's, since CMake makes directories through the
# umask and an installation must be readable by every user. PREFIX
# overrides the configured one (tests install into a scratch directory).
set -e
umask 022
if [ -n "${2:-}" ]; then
	exec cmake --install "$1" --prefix "$2"
fi
exec cmake --install "$1"
