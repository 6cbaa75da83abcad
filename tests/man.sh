#!/bin/sh
# SPDX-License-Identifier: MIT
# man.sh - the manual pages and the shell completion, generated from the
# tables that drive parsing: groff finds nothing to warn about, and every
# subcommand, option, configuration key, workload key and scheme the
# programs themselves list appears in them.
#   man.sh MANDIR TPT TPTD COMPLETION
MAN=$1 TPT=$2 TPTD=$3 COMP=$4
. "$(dirname "$0")/lib.sh"

for p in tpt.1 tpt-config.5 tptd.8 tptctl.8; do
	[ -s "$MAN/$p" ] || { bad "$p is missing"; continue; }
	groff -ww -z -man "$MAN/$p" >"$T/w" 2>&1 && [ ! -s "$T/w" ] && ok || bad "groff warns on $p: $(head -n 3 "$T/w")"
	MANWIDTH=80 man -l "$MAN/$p" >"$T/$p.txt" 2>/dev/null && ok || bad "man cannot render $p"
done
# In tpt(1): every command and option of tpt help, every workload key, every scheme.
for c in $("$TPT" help | awk '/^  tpt / {print $2}'); do
	grep -q "^       $c\b\|^       tpt $c\b" "$T/tpt.1.txt" && ok || bad "tpt(1) lacks command $c"
done
for o in $("$TPT" help | awk '/^  --/ {print $1}'); do
	grep -q -- "$o" "$T/tpt.1.txt" && ok || bad "tpt(1) lacks option $o"
done
for k in $("$TPT" workloads | awk '/^    / {print $1}' | sort -u); do
	grep -Eq "^       $k( |$)" "$T/tpt.1.txt" && ok || bad "tpt(1) lacks workload key $k"
done
for s in $("$TPT" schemes | awk 'NR > 1 {print $1}'); do
	grep -q "^       $s\b" "$T/tpt.1.txt" && ok || bad "tpt(1) lacks scheme $s"
done
# In tpt(1): every key of a study file.
for k in command name workload scenario config pages schemes seeds; do
	grep -Eq "^       $k( |$)" "$T/tpt.1.txt" && ok || bad "tpt(1) lacks study key $k"
done
# In tpt-config(5) and tptd(8): every key of the configuration files.
for k in $("$TPT" config | awk '/^[a-z_0-9]+ = / {print $1}'); do
	grep -Eq "^       $k( |$)" "$T/tpt-config.5.txt" && ok || bad "tpt-config(5) lacks $k"
done
for k in $("$TPTD" --print-config | awk '/^[a-z_0-9]+ = / {print $1}'); do
	grep -Eq "^       $k( |$)" "$T/tptd.8.txt" && ok || bad "tptd(8) lacks $k"
done
for o in $("$TPTD" --help | awk '/^  --/ {print $1}'); do
	grep -q -- "$o" "$T/tptd.8.txt" && ok || bad "tptd(8) lacks option $o"
done
# tpt(1)'s EXAMPLES: every command's example, each naming options its command has.
grep -q "^EXAMPLES" "$T/tpt.1.txt" && ok || bad "tpt(1) has no EXAMPLES"
for c in $("$TPT" help | awk '/^  tpt / {print $2}'); do
	ex=$("$TPT" help "$c" | sed -n '/^example:/{n;p;}')
	[ -n "$ex" ] && grep -qF -- "$(echo "$ex" | sed 's/^ *//' | cut -c1-40)" "$T/tpt.1.txt" && ok ||
		bad "tpt(1) EXAMPLES lacks tpt $c's example"
	for o in $(echo "$ex" | grep -o -- ' --[a-z][a-z0-9-]*'); do
		[ "$o" = "$c" ] && continue # tpt --version: the command itself
		"$TPT" help "$c" | grep -q -- "^  $o " && ok || bad "tpt $c's example uses $o, which it does not take"
	done
done
# The completion offers every command, scheme, workload and option the programs list.
# completes WORD...: what the completion offers for the last (empty or partial) word.
completes() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "_$1"; echo "${COMPREPLY[*]}"' \
		- "$COMP" "$@"
}
# offers WHAT "OFFERED" SUFFIX ITEM...: each item (with SUFFIX) is among the offered words.
offers() {
	what=$1 got=" $2 " suffix=$3
	shift 3
	for x in "$@"; do
		case $got in *" $x$suffix "*) ok ;; *) bad "completion lacks $what $x" ;; esac
	done
}
if command -v bash >/dev/null; then
	bash -n "$COMP" && ok || bad "the completion script does not parse"
	offers command "$(completes tpt "")" "" $("$TPT" help | awk '/^  tpt / {print $2}')
	offers scheme "$(completes tpt sim --scheme "")" "" $("$TPT" schemes | awk 'NR > 1 {print $1}')
	offers workload "$(completes tpt sim --workload "")" ":" $("$TPT" workloads | awk '/^[a-z]/ {print $1}')
	# Each command's options, and only those: sim offers no probe option.
	for c in $("$TPT" help | awk '/^  tpt / {print $2}'); do
		sub=
		[ "$c" = trace ] && sub=write # after trace comes its subcommand
		offers "$c option" "$(completes tpt "$c" $sub --)" "" $("$TPT" "$c" --help | awk '/^  --/ {print $1}') --help
	done
	case " $(completes tpt sim --) " in *" --watchdog "*) bad "completion offers probe's --watchdog after sim" ;; *) ok ;; esac
	offers "tptd option" "$(completes tptd --)" "" $("$TPTD" --help | awk '/^  --/ {print $1}')
fi
finish
