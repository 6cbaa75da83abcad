#!/bin/sh
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
# The completion offers every command, scheme, workload and option the programs list.
if command -v bash >/dev/null; then
	bash -n "$COMP" && ok || bad "the completion script does not parse"
	got=$(bash -c '. "$1"; COMP_WORDS=(tpt ""); COMP_CWORD=1; _tpt; echo "${COMPREPLY[*]}"' - "$COMP")
	for c in $("$TPT" help | awk '/^  tpt / {print $2}'); do
		case " $got " in *" $c "*) ok ;; *) bad "completion lacks command $c" ;; esac
	done
	got=$(bash -c '. "$1"; COMP_WORDS=(tpt sim --scheme ""); COMP_CWORD=3; _tpt; echo "${COMPREPLY[*]}"' - "$COMP")
	for s in $("$TPT" schemes | awk 'NR > 1 {print $1}'); do
		case " $got " in *" $s "*) ok ;; *) bad "completion lacks scheme $s" ;; esac
	done
	got=$(bash -c '. "$1"; COMP_WORDS=(tpt sim --workload ""); COMP_CWORD=3; _tpt; echo "${COMPREPLY[*]}"' - "$COMP")
	for w in $("$TPT" workloads | awk '/^[a-z]/ {print $1}'); do
		case " $got " in *" $w: "*) ok ;; *) bad "completion lacks workload $w" ;; esac
	done
	got=$(bash -c '. "$1"; COMP_WORDS=(tpt sim --); COMP_CWORD=2; _tpt; echo "${COMPREPLY[*]}"' - "$COMP")
	for o in $("$TPT" help | awk '/^  --/ {print $1}'); do
		case " $got " in *" $o "*) ok ;; *) bad "completion lacks option $o" ;; esac
	done
	got=$(bash -c '. "$1"; COMP_WORDS=(tptd --); COMP_CWORD=1; _tptd; echo "${COMPREPLY[*]}"' - "$COMP")
	for o in $("$TPTD" --help | awk '/^  --/ {print $1}'); do
		case " $got " in *" $o "*) ok ;; *) bad "tptd completion lacks $o" ;; esac
	done
fi
finish
