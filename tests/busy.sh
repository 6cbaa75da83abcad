#!/bin/sh
# SPDX-License-Identifier: MIT
# busy.sh CMD ARGS... - runs CMD with every CPU kept busy by a loop of its
# own, as on a loaded server: a test that passes alone must pass here too.
# The loops are stopped however CMD ends.
n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
loops=""
trap 'kill -9 $loops 2>/dev/null' EXIT
trap 'exit 1' INT TERM
for i in $(seq "$n"); do
	sh -c 'while :; do :; done' &
	loops="$loops $!"
done
echo "busy: $n CPU loops beside: $*"
"$@"
