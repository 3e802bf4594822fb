#!/bin/bash
# Puts Prometheus' promtool under BUILDROOT (default build) for the
# metrics tests (tests/bats/metrics.bats: promtool check metrics): the
# Debian package is downloaded (apt-get download) and unpacked
# (dpkg-deb -x) and only promtool kept (the package is 95 MB unpacked);
# never installed, so no Prometheus service is set up or started.
# Prints promtool's path; a second run downloads nothing.
# usage: scripts/promtool.sh [BUILDROOT]
set -euo pipefail

root=${1:-build}
dir=$root/promtool
tool=$dir/promtool
if [ ! -x "$tool" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(
		cd "$dir/deb"
		# A fresh machine has no package lists yet.
		apt-get download prometheus >&2 ||
			{ apt-get update >&2 && apt-get download prometheus >&2; }
		dpkg-deb -x prometheus_*.deb x
		mv x/usr/bin/promtool ../promtool
	)
	rm -rf "$dir/deb"
fi
"$tool" --version >/dev/null
echo "$(cd "$dir" && pwd)/promtool"
