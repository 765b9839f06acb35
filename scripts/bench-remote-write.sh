#!/usr/bin/env bash
# Sends the same remote_write load to Debian's Prometheus and to CEREBRO, one receiver
# after the other, in one run on this machine, and prints one table and one JSON document:
# sustained samples/s (samples in requests answered 2xx), RSS growth per series, server
# CPU, and the ratios CEREBRO / Prometheus.
#
# Receivers (RECEIVERS, in this order by default):
#   prometheus    /usr/bin/prometheus --web.enable-remote-write-receiver, empty TSDB
#   cerebro       `cerebro serve` on an empty data dir: the whole pipeline (remote_write
#                 decoder, detection, signal store, correlation), as in production
#   cerebro-bare  `cerebro bench remote-write-receiver --sink count`: the decoder alone,
#                 no detection; not a fair comparison, there to show what ingest costs
# Each receiver is started fresh on a free loopback port, measured, and stopped before the
# next one starts, so the servers never compete with each other. The load generator runs
# on the same machine and competes with the receiver for CPU: its CPU time is reported.
#
# Usage: scripts/bench-remote-write.sh [CEREBRO_BINARY]
# Environment:
#   SERIES       series counts to run, space-separated ("100000 1000000")
#   DURATION     load per run (30s)     CONCURRENCY  requests in flight (4)
#   BATCH        series per request (2000, as Prometheus sends)
#   RECEIVERS    ("prometheus cerebro")  SETTLE  seconds idle before measuring (3)
#   OUT          also write the JSON document to this file
# Needs: bash, curl, jq, ss; installs Debian's prometheus via scripts/install-peers.sh.
set -euo pipefail

SERIES=${SERIES:-"100000 1000000"}
DURATION=${DURATION:-30s}
CONCURRENCY=${CONCURRENCY:-4}
BATCH=${BATCH:-2000}
RECEIVERS=${RECEIVERS:-"prometheus cerebro"}
SETTLE=${SETTLE:-3}
OUT=${OUT:-}

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=""
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT

cerebro=${1:-}
if [[ -z "$cerebro" ]]; then
	cerebro="$work/cerebro"
	(cd "$repo" && go build -o "$cerebro" ./cmd/cerebro)
fi
if [[ " $RECEIVERS " == *" prometheus "* ]]; then
	sh "$repo/scripts/install-peers.sh"
fi
hz=$(getconf CLK_TCK)

# free_port prints a loopback TCP port nothing listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if [[ -z $(ss -Hltn "sport = :$p") ]]; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

# wait_up URL LOG: polls until URL answers 2xx, for at most 60 s, or the server dies.
wait_up() {
	for _ in $(seq 600); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		if ! kill -0 "$server" 2>/dev/null; then
			echo "server exited; last lines of $2:" >&2
			tail -n 20 "$2" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "no answer from $1 within 60 s" >&2
	return 1
}

# stop_server stops the running server: SIGTERM, then SIGKILL after 60 s.
stop_server() {
	[[ -n "$server" ]] || return 0
	kill "$server" 2>/dev/null || true
	for _ in $(seq 600); do
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=""
}

kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
cpu_seconds() { awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# metric URL NAME: the sum of every sample of NAME in the exposition at URL (0 if none).
metric() {
	curl -fsS "$1" | awk -v n="$2" '$1 == n || index($1, n"{") == 1 {s += $2}
		END {printf "%.0f", s}'
}

# start RECEIVER SERIES PORT DIR: starts a server and sets $server and the URLs the run
# needs: $write (remote_write), $ready (readiness) and $metrics.
start() {
	local base="http://127.0.0.1:$3" log="$4/server.log"
	case $1 in
	prometheus)
		echo "global: {scrape_interval: 1h}" >"$4/prometheus.yml"
		setsid /usr/bin/prometheus --config.file="$4/prometheus.yml" \
			--storage.tsdb.path="$4/tsdb" --web.listen-address="127.0.0.1:$3" \
			--web.enable-remote-write-receiver >"$log" 2>&1 </dev/null &
		server=$!
		write=$base/api/v1/write ready=$base/-/ready metrics=$base/metrics
		;;
	cerebro)
		# Room for every series: the default max_series (1M) would drop some at 1M.
		printf 'detect: {max_series: %d}\n' $(($2 * 2)) >"$4/cerebro.yml"
		setsid "$cerebro" serve --config "$4/cerebro.yml" --listen "127.0.0.1:$3" \
			--data-dir "$4/data" --log-level warn >"$log" 2>&1 </dev/null &
		server=$!
		write=$base/api/v1/ingest/remote-write ready=$base/readyz metrics=$base/metrics
		;;
	cerebro-bare)
		setsid "$cerebro" bench remote-write-receiver --listen "127.0.0.1:$3" --sink count \
			--log-level warn >"$log" 2>&1 </dev/null &
		server=$!
		write=$base/api/v1/write ready=$base/metrics metrics=$base/metrics
		;;
	*)
		echo "unknown receiver $1" >&2
		return 1
		;;
	esac
}

# held_series RECEIVER METRICS_URL: the series the receiver holds, by its own count.
held_series() {
	case $1 in
	prometheus) metric "$2" prometheus_tsdb_head_series ;;
	cerebro) metric "$2" cerebro_detect_series ;;
	*) echo 0 ;;
	esac
}

# counted RECEIVER METRICS_URL: the samples the receiver says it took in.
counted() {
	case $1 in
	prometheus) metric "$2" prometheus_tsdb_head_samples_appended_total ;;
	*) metric "$2" cerebro_ingest_samples_total ;;
	esac
}

# run RECEIVER SERIES: one measured run; prints one JSON object.
run() {
	local dir="$work/$1-$2" port write ready metrics
	mkdir -p "$dir"
	port=$(free_port)
	start "$1" "$2" "$port" "$dir"
	wait_up "$ready" "$dir/server.log"
	sleep "$SETTLE"

	local rss0 cpu0 rss1 hwm cpu1 load_cpu
	rss0=$(kib "$server" VmRSS)
	cpu0=$(cpu_seconds "$server")
	TIMEFORMAT='%U %S'
	{ time "$cerebro" bench remote-write --target "$write" --series "$2" --batch "$BATCH" \
		--duration "$DURATION" --concurrency "$CONCURRENCY" --json >"$dir/load.json"; } \
		2>"$dir/load.time"
	rss1=$(kib "$server" VmRSS)
	hwm=$(kib "$server" VmHWM)
	cpu1=$(cpu_seconds "$server")
	load_cpu=$(awk '{printf "%.2f", $1 + $2}' "$dir/load.time")

	jq -c --arg name "$1" --argjson rss0 "$rss0" --argjson rss1 "$rss1" \
		--argjson hwm "$hwm" --argjson cpu "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}')" \
		--argjson load_cpu "$load_cpu" --argjson held "$(held_series "$1" "$metrics")" \
		--argjson counted "$(counted "$1" "$metrics")" '
		{receiver: $name} + . + {
		rss_before_kib: $rss0, rss_after_kib: $rss1, rss_peak_kib: $hwm,
		rss_growth_bytes_per_series: (($rss1 - $rss0) * 1024 / .series | floor),
		server_cpu_seconds: $cpu, loadgen_cpu_seconds: $load_cpu,
		samples_per_server_cpu_second: (.samples / $cpu | floor),
		server_held_series: $held, server_counted_samples: $counted}' "$dir/load.json"
	stop_server
}

runs=()
for n in $SERIES; do
	for r in $RECEIVERS; do
		echo "running $r with $n series for $DURATION..." >&2
		runs+=("$(run "$r" "$n")")
	done
done

doc=$(printf '%s\n' "${runs[@]}" | jq -s --arg cpu "$(nproc)" \
	--arg model "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
	--arg prom "$(/usr/bin/prometheus --version 2>&1 | head -n1 || true)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--arg duration "$DURATION" --argjson conc "$CONCURRENCY" --argjson batch "$BATCH" '
	{machine: {cpus: ($cpu | tonumber), cpu_model: $model, loadavg_at_end: $load},
	 prometheus_version: $prom, duration: $duration, concurrency: $conc, batch: $batch,
	 runs: ., ratios: [group_by(.series)[] as $g
		| ($g[] | select(.receiver == "prometheus")) as $p
		| $g[] | select(.receiver != "prometheus") | {
		  receiver, series,
		  samples_per_sec: (.samples_per_sec / $p.samples_per_sec * 100 | round / 100),
		  warm_samples_per_sec:
			(.warm_samples_per_sec / $p.warm_samples_per_sec * 100 | round / 100),
		  memory_per_series: (.rss_growth_bytes_per_series /
			$p.rss_growth_bytes_per_series * 1000 | round / 1000)}]}')

echo "$doc" | jq -r '
	"machine: \(.machine.cpus) CPUs (\(.machine.cpu_model)), shared with the load generator",
	"prometheus: \(.prometheus_version)",
	"load: \(.duration) per run, \(.concurrency) senders, \(.batch) series per request",
	"",
	(["receiver", "series", "samples/s", "warm/s", "errors", "rounds", "B/series",
	  "peak MiB", "srv CPU s", "gen CPU s"] | @tsv),
	(.runs[] | [.receiver, .series, (.samples_per_sec | floor),
	  (.warm_samples_per_sec | floor), .errors, .rounds, .rss_growth_bytes_per_series,
	  (.rss_peak_kib / 1024 | floor), .server_cpu_seconds, .loadgen_cpu_seconds] | @tsv),
	"",
	(["ratio vs prometheus", "series", "samples/s", "warm/s", "memory/series"] | @tsv),
	(.ratios[] | [.receiver, .series, .samples_per_sec, .warm_samples_per_sec,
	  .memory_per_series] | @tsv)' | column -t -s $'\t'
echo
echo "$doc"
if [[ -n "$OUT" ]]; then
	echo "$doc" >"$OUT"
fi
