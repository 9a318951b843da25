#!/usr/bin/env bash
# The off-heap cache's YCSB-style benchmark (examples/cache, CacheBench): the same cache, the same
# data (3x the memory budget by default) and workloads A, B, C in four configurations:
#   uvswap           a uvswap region whose group's memoryMax is the budget (faults on server threads)
#   uvswap-inthread  the same, faults served on the faulting thread (FaultMode.IN_THREAD)
#   resident         the same region with no limit: everything resident, the control
#   zram             the cache on plain mmap'd memory in a child JVM inside a memory cgroup with a
#                    zram swap device (lz4); the JVM sets the limit to its own charge + the budget
#                    just before it maps the cache, so the cache's pages get the budget
# Writes cache.csv, cache.json, cache.md, run.log and cache-throughput.png / cache-p99.png to --out
# (default bench/results/cache). ~2 minutes per configuration at the defaults.
#
#   run.sh [--budget-mib 128] [--data-mib 384] [--threads 2] [--seconds 30] [--value-bytes 1024]
#          [--out DIR] [--no-zram] [--no-in-thread]
#
# Exit status 1 if a run failed or read a value back wrong; a zram row that cannot be set up here
# (not root, no zram, swap already on) is skipped with the reason, not a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

budget=128 data= threads=2 seconds=30 value=1024 out=$repo/bench/results/cache zram=1 inthread=1
while (($#)); do
	case $1 in
	--budget-mib) budget=$2; shift 2 ;;
	--data-mib) data=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--value-bytes) value=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-zram) zram=0; shift ;;
	--no-in-thread) inthread=0; shift ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
done
data=${data:-$((3 * budget))}
say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)" >&2; }

say "building examples/cache"
"$repo/uvs" mvn -q -DskipTests package -pl examples/cache -am >&2 || exit 1
java=$("$repo/uvs" java-home)/bin/java
jar=$repo/examples/cache/target/uvswap-cache.jar
cp="$jar:$repo/examples/cache/target/lib/*"
# The same JVM in every configuration: a small fixed heap, pretouched, so that the JVM's own
# footprint is steady before the cache starts (the zram row's cgroup holds it besides the budget).
jvm=(--enable-native-access=ALL-UNNAMED -Xms64m -Xmx64m -XX:+UseSerialGC -XX:+AlwaysPreTouch -Djava.awt.headless=true)
bench=(dev.uvswap.examples.cache.bench.CacheBench --budget-mib "$budget" --data-mib "$data" --threads "$threads"
	--seconds "$seconds" --value-bytes "$value")

mkdir -p "$out"
csv=$out/cache.csv
rm -f "$csv" "$out/run.log"
exec 2> >(tee -a "$out/run.log" >&2)   # the log (with uvswap's fault counters) next to the results
status=0
{
	echo "date: $(date -u +%FT%TZ)"
	echo "kernel: $(uname -r); cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "budget ${budget} MiB, data ${data} MiB, ${value}-byte values, ${threads} threads, ${seconds} s per workload"
} >"$out/machine.txt"

say "uvswap: group memoryMax = $budget MiB, faults on server threads"
"$java" "${jvm[@]}" -cp "$cp" "${bench[@]}" --store uvswap --label uvswap --fault-mode servers --csv "$csv" || status=1
if ((inthread)); then
	say "uvswap: group memoryMax = $budget MiB, faults served in the faulting thread"
	"$java" "${jvm[@]}" -cp "$cp" "${bench[@]}" --store uvswap --label uvswap-inthread --fault-mode in-thread --csv "$csv" || status=1
fi
say "resident: the same region, no limit (the control)"
"$java" "${jvm[@]}" -cp "$cp" "${bench[@]}" --store resident --label resident --csv "$csv" || status=1
if ((zram)); then
	say "zram: plain anonymous memory, memory cgroup of the JVM's charge + $budget MiB, zram lz4"
	# The limit given here only has to let the JVM start; the JVM lowers it (--cgroup-budget).
	bash "$here/zram-cgroup.sh" --limit-mib $((budget + 1024)) --swap-mib $((2 * data + 256)) --codec lz4 -- \
		"$java" "${jvm[@]}" -cp "$cp" "${bench[@]}" --store anon --label zram --cgroup-budget yes --csv "$csv"
	rc=$?
	((rc == 3)) && echo "zram row skipped (see above)" >>"$out/machine.txt"
	((rc != 0 && rc != 3)) && status=1
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

say "report: $out"
"$java" -Djava.awt.headless=true -cp "$cp" dev.uvswap.examples.cache.bench.CacheReport --csv "$csv" --out "$out" || status=1
exit $status
