#!/bin/sh
# Runs inside the SCTP test guest for make check-interop: captures all
# SCTP and UDP traffic on lo for the whole run into FILE (judged by
# tshark on the host afterwards: tests/interop/run.sh), then runs the
# command and returns its exit status.
# usage: tests/interop/guest-capture.sh FILE CMD [ARG...]
set -u
[ $# -ge 2 ] || { echo "usage: $0 FILE CMD [ARG...]" >&2; exit 2; }
file=$1
shift
log=$file.dumpcap.log
rm -f "$file" "$log"
dumpcap -q -i lo -f 'sctp or udp' -w "$file" >"$log" 2>&1 &
dc=$!
i=0
until grep -q 'Capturing on' "$log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$dc" 2>/dev/null; then
		echo "guest-capture: dumpcap did not start:" >&2
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
"$@"
rc=$?
kill -INT "$dc" # dumpcap closes the file cleanly on SIGINT
wait "$dc"
exit "$rc"
