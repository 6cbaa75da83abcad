#!/bin/sh
# SPDX-License-Identifier: MIT
# docs.sh SRC [TPT] - the documentation against what it documents: the
# README reaches every page of docs/, every link of README and docs/ leads
# to a file and heading that exist, every page opens with what it gives;
# with TPT, every command and option `tpt help` names is documented; and
# the example diff of docs/extending.md is the real change of the commit
# it names.
SRC=$1
TPT=$2
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 2

# A heading's anchor as GitHub writes it.
anchors() {
	sed -n 's/^#\{1,6\} //p' "$1" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}

for f in docs/*.md; do
	grep -q "](\(\./\)\{0,1\}$f\(#[^)]*\)\{0,1\})" README.md && ok || bad "README.md does not link $f"
	# A title, a blank line, then a sentence of what the page gives.
	[ "$(sed -n 1p "$f" | cut -c1-2)" = "# " ] && [ -z "$(sed -n 2p "$f")" ] &&
		sed -n 3p "$f" | grep -q '^[A-Za-z`]' && ok || bad "$f does not open with its title and what it gives"
done

for f in README.md docs/*.md; do
	dir=$(dirname "$f")
	grep -o '](\([^)]*\))' "$f" | sed 's/^](//; s/)$//' | grep -v '^[a-z]*://' | sort -u >"$T/links"
	while read -r l; do
		file=${l%%#*}
		anchor=
		case $l in *'#'*) anchor=${l#*#} ;; esac
		target=$f
		[ -n "$file" ] && target="$dir/$file"
		if [ ! -e "$target" ]; then
			bad "$f links $l: no file $target"
			continue
		fi
		if [ -n "$anchor" ]; then
			anchors "$target" | grep -qx -- "$anchor" && ok || bad "$f links $l: $target has no heading #$anchor"
		else
			ok
		fi
	done <"$T/links"
done

if [ -n "$TPT" ]; then
	"$TPT" help >"$T/help" || bad "tpt help failed"
	for c in $(sed -n 's/^  tpt \([a-z][a-z-]*\).*/\1/p' "$T/help" | sort -u); do
		grep -q "tpt $c" README.md docs/*.md && ok || bad "no page documents tpt $c"
	done
	for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$T/help" | sort -u); do
		grep -q -e "$o" README.md docs/*.md && ok || bad "no page documents option $o"
	done
fi

# The licence: LICENSE is MIT, and every source file says so in its first
# lines (SPDX), as debian/copyright does.
grep -q "^MIT License" LICENSE && grep -q "^License: Expat" debian/copyright && grep -q "^license: MIT" CITATION.cff &&
	ok || bad "LICENSE, debian/copyright and CITATION.cff do not agree on MIT"
find src include tools tests fuzz bench scripts -name '*.[chS]' -o -name '*.sh' | grep -v '^tests/golden/' >"$T/src"
while read -r f; do
	head -n 2 "$f" | grep -q "SPDX-License-Identifier: MIT" || echo "$f"
done <"$T/src" >"$T/nospdx"
[ -s "$T/src" ] && [ ! -s "$T/nospdx" ] && ok || bad "source files without an SPDX line: $(head -n 5 "$T/nospdx")"

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
