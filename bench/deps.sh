#!/bin/sh
# The Debian packages make bench-guest needs on the host (the guest's root
# is the host's /): RSPLIB's registrar and hsdump, gnuplot for the plot.
# Installs only what is missing; as root.
set -eu
pkgs=
command -v rspregistrar >/dev/null || pkgs="$pkgs rsplib-registrar"
command -v hsdump >/dev/null || pkgs="$pkgs rsplib-tools"
command -v gnuplot >/dev/null || pkgs="$pkgs gnuplot-nox"
[ -z "$pkgs" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/deps.sh: missing$pkgs; run as root: apt-get install$pkgs" >&2
	exit 2
fi
echo "bench/deps.sh: installing$pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # a list of package names
apt-get install -y -qq $pkgs >&2 ||
	{ apt-get update -qq >&2 && apt-get install -y -qq $pkgs >&2; }
