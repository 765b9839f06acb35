#!/bin/sh
# install-peers.sh installs the real peers the end-to-end test runs against: Debian's
# prometheus, prometheus-alertmanager and prometheus-node-exporter. It installs only what
# is missing, runs apt-get update at most once, and exits non-zero when anything fails.
#
# Usage: scripts/install-peers.sh   (as root, or with sudo available)
set -eu

# package:binary pairs; the binary tells whether the package is already there.
PEERS="prometheus:/usr/bin/prometheus
prometheus-alertmanager:/usr/bin/prometheus-alertmanager
prometheus-node-exporter:/usr/bin/prometheus-node-exporter"

missing=""
for pair in $PEERS; do
	pkg=${pair%%:*}
	bin=${pair#*:}
	if [ ! -x "$bin" ]; then
		missing="$missing $pkg"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-peers: need root or sudo to install:$missing" >&2
		exit 1
	fi
	SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "install-peers: installing$missing" >&2
# Another apt run (a parallel job) holds the dpkg lock for a while: wait for it rather than
# fail. Debian's packages start their services on install where an init system runs; the test
# starts its own copies on other ports, so a running system copy does no harm.
if ! $SUDO apt-get -o DPkg::Lock::Timeout=300 update -q >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-peers: apt-get update failed" >&2
	exit 1
fi
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q \
	--no-install-recommends $missing >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-peers: apt-get install failed for:$missing" >&2
	exit 1
fi

for pair in $PEERS; do
	bin=${pair#*:}
	if [ ! -x "$bin" ]; then
		echo "install-peers: $bin still missing after install" >&2
		exit 1
	fi
done
