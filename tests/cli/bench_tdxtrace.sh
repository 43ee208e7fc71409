#!/usr/bin/env bash
# bench_tdxtrace.sh - `make bench-tdxtrace`: end-to-end throughput of the
# tdxtrace command (simulator or file -> BPF aggregation -> snapshot ->
# report), wall clock, median of 3 runs.  Writes $1 (JSON) and a summary.
#
#   events/s  stat --sim        generate + aggregate + one report
#   events/s  sim -o FILE       generate + write a record file (no BPF)
#   events/s  report FILE       read + aggregate + every report (with splits)
#   reports/s lat -i 100ms FILE  snapshot + diff + JSON per interval
set -euo pipefail
out=${1:?usage: bench_tdxtrace.sh OUT.json}
O=${O:-build}
T=$O/bin/tdxtrace
spec=${BENCH_SPEC:-steady:1,duration=3s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ $(id -u) -ne 0 ]]; then
	echo "bench-tdxtrace: needs root (BPF); skipped" >&2
	exit 0
fi

now() { date +%s.%N; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# time_cmd CMD...: seconds (median of 3)
time_cmd() {
	local t=() s
	for _ in 1 2 3; do
		s=$(now)
		"$@" >/dev/null 2>&1
		t+=("$(awk -v a="$s" -v b="$(now)" 'BEGIN{printf "%.6f", b-a}')")
	done
	median3 "${t[@]}"
}

events=$("$T" stat --sim "$spec" --json | jq '[.counters.events[]] | add')
"$T" sim "$spec" -o "$tmp/b.tdxrec" 2>/dev/null
reports=$("$T" lat --replay "$tmp/b.tdxrec" -i 100ms --json | wc -l)

t_stat=$(time_cmd "$T" stat --sim "$spec" --json)
t_sim=$(time_cmd "$T" sim "$spec" -o "$tmp/a.tdxrec")
t_report=$(time_cmd "$T" report "$tmp/b.tdxrec" --json)
t_lat=$(time_cmd "$T" lat --replay "$tmp/b.tdxrec" -i 100ms --json)

jq -n --arg spec "$spec" --argjson events "$events" --argjson reports "$reports" \
	--argjson ts "$t_stat" --argjson tsim "$t_sim" --argjson tr "$t_report" \
	--argjson tl "$t_lat" '{
	bench: "tdxtrace", spec: $spec, events: $events,
	stat_sim_events_per_s: ($events / $ts),
	sim_write_events_per_s: ($events / $tsim),
	report_file_events_per_s: ($events / $tr),
	lat_interval_reports: $reports,
	lat_interval_reports_per_s: ($reports / $tl),
	seconds: { stat_sim: $ts, sim_write: $tsim, report_file: $tr, lat_intervals: $tl }
}' > "$out"
jq -r '"tdxtrace (\(.spec), \(.events) events): stat --sim \(.stat_sim_events_per_s|floor) ev/s, sim -o \(.sim_write_events_per_s|floor) ev/s, report FILE \(.report_file_events_per_s|floor) ev/s, lat -i 100ms \(.lat_interval_reports_per_s|floor) reports/s"' "$out"
