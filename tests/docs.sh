#!/bin/sh
# docs.sh SRC - the documentation against what it documents: the example
# diff of docs/extending.md is the real change of the commit it names.
SRC=$1
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 2

# docs/extending.md's diff, against `git show` of its commit (where this is
# a git checkout with history; a source tarball has none).
commit=$(sed -n 's/.*added in commit `\([0-9a-f]*\)`.*/\1/p' docs/extending.md | head -n 1)
if [ -z "$commit" ]; then
	bad "docs/extending.md names no commit"
elif git cat-file -e "$commit" 2>/dev/null; then
	sed -n '/^```diff$/,/^```$/p' docs/extending.md | sed '1d;$d' >"$T/doc.diff"
	git show "$commit" -- src/scheme/ideal.c src/scheme/scheme.c tests/cli.sh tests/golden.sh |
		sed -n '/^diff --git/,$p' >"$T/real.diff"
	cmp -s "$T/doc.diff" "$T/real.diff" && ok || bad "docs/extending.md's diff is not commit $commit's"
else
	echo "skip: no git history here to check docs/extending.md's diff against"
fi
finish
