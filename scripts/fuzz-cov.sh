#!/bin/bash
# Line coverage of the committed fuzz corpora (docs/fuzzing.md): builds
# the plain-main() replay binaries with gcc --coverage in
# $BUILDROOT/cov, replays each target's corpus alone and prints, per
# target, the gcov line coverage of the source files named for it below
# (or given: NAME=file.c,file.c).  To find what no input reaches:
#   gcov -o build/cov/rel/core/lib core/lib/session.c; grep '#####' session.c.gcov
#
# usage: scripts/fuzz-cov.sh [NAME[=FILE,...]...]    (default: the table)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2

BUILDROOT=${BUILDROOT:-build}
B=$BUILDROOT/cov/rel

declare -A files=(
	[registrar]="core/registrar/asap.c core/registrar/home.c core/registrar/registrar.c"
	[regenrp]="core/registrar/enrp.c core/registrar/enrp_peer.c core/registrar/enrp_sync.c core/registrar/takeover.c core/registrar/asap.c"
	[lib]="core/lib/channel.c core/lib/element.c core/lib/session.c core/lib/pu.c core/lib/pu_msg.c core/lib/regtable.c"
	[services]="services/echo.c services/chargen.c services/pingpong.c services/calcapp.c services/calcapp_jobs.c services/fractal.c"
	[opt]="core/opt.c core/addr.c core/lib/api.c"
	[hsdump]="core/tools/hsdump_fmt.c"
	[tcpconn]="core/transport/tcp.c core/transport/tcp_conn.c proto/tcpmap.c"
	[tcpmap]="proto/tcpmap.c"
	[asap]="proto/messages.c proto/params.c proto/tlv.c"
	[enrp]="proto/messages.c proto/params.c proto/tlv.c"
	[app]="proto/fgp.c proto/pingpong.c proto/calcapp.c proto/ssp.c"
	[csp]="proto/csp.c"
	[cspmon]="core/tools/cspmon.c"
)

if [ $# -eq 0 ]; then
	set -- registrar regenrp lib services opt hsdump tcpconn tcpmap asap \
		enrp app csp cspmon
fi
bins=()
for a in "$@"; do
	bins+=("$B/tests/fuzz_${a%%=*}")
done
make -s -j"$(nproc)" BUILDROOT="$BUILDROOT/cov" VARIANT=rel \
	CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" "${bins[@]}"

for a in "$@"; do
	n=${a%%=*}
	list=${files[$n]:-}
	[ "$a" != "$n" ] && list=${a#*=} && list=${list//,/ }
	find "$B" -name '*.gcda' -delete
	"$B/tests/fuzz_$n" "tests/fuzz/corpus/$n" >/dev/null 2>&1
	echo "== $n"
	read -r -a fs <<<"$list"
	for f in "${fs[@]}"; do
		printf '  %-30s %s\n' "$f" "$(gcov -n -o "$B/$(dirname "$f")" \
			"$f" 2>/dev/null | sed -n 's/^Lines executed://p' | head -n 1)"
	done
done
