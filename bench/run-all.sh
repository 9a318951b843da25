#!/usr/bin/env bash
# Everything issue 3 asks for, in one run on one machine: the JMH suite with its floors, the
# usemem/memhog harness over uvswap, the same workload under the kernel (zram, zswap: root only),
# then report.md and the PNG plots.  Called by `./uvs bench-all [--full]` after the build.
#   short (default): ~8 minutes on 2 vCPUs; 256 MiB budget, 1 round, 1 JMH fork with short iterations
#   --full:          JMH at its annotated iterations, 1 GiB budget, every combination, 3 rounds
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$here/target/uvswap-bench.jar
usemem_bin=$here/target/classes/native/usemem
java=${JAVA_HOME:?run through ./uvs bench-all}/bin/java

mode=short
[ "${1:-}" = "--full" ] && mode=full
out=${UVSWAP_BENCH_OUT:-$here/results/$mode}
rm -rf "$out"; mkdir -p "$out"
cd "$out"   # swap files of the FILE benchmarks land here, on disk

if [ "$mode" = full ]; then
  jmh_args=()
  budget=1024 rounds=3
  combos=()
  for p in usemem memhog heap; do for o in seq rand; do for t in 1 2; do for r in 1.75 3; do
    combos+=("$p:$o:$t:$r"); done; done; done; done
else
  jmh_args=(-wi 1 -w 1 -i 2 -r 1)
  budget=256 rounds=1
  combos=(usemem:seq:1:1.75 usemem:rand:1:1.75 usemem:seq:1:3 usemem:rand:1:3
          usemem:seq:2:1.75 usemem:rand:2:1.75 usemem:seq:2:3 usemem:rand:2:3
          memhog:seq:1:1.75 memhog:rand:2:3 heap:seq:1:1.75 heap:rand:2:3)
fi
# The huge-page pair (uvswap's default regions against the kernel's usemem --huge): fewer combos.
if [ "$mode" = full ]; then
  huge_combos=(usemem:seq:1:1.75 usemem:rand:1:1.75 usemem:seq:2:3 usemem:rand:2:3)
else
  huge_combos=(usemem:seq:1:1.75 usemem:rand:1:1.75)
fi

say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)" >&2; }

say "JMH: fault latency, floors, 2 MiB extents, pageOut, free"
"$java" --enable-native-access=ALL-UNNAMED -jar "$jar" \
  'FaultLatencyBench|UffdFloorBench|CodecFloorBench|ThpSwapInBench|RawMoveFloor|PageOutBench|FreeBench' \
  "${jmh_args[@]}" -rf json -rff "$out/jmh.json" > "$out/jmh.log" 2>&1 \
  || { tail -30 "$out/jmh.log" >&2; exit 1; }
grep -E '^[A-Za-z]+Bench[A-Za-z.]*(:p0.50)? ' "$out/jmh.log" | grep -v ':p0\.[0-9]*[1-9]' >&2 || true

# A run that read back wrong data fails the whole command, after the report (which flags it) is written.
status=0
# Both fault modes: server threads (backend "uvswap") and the faulting thread itself ("uvswap-inthread").
for faults in servers in-thread; do for codec in lz4 zstd; do
  say "usemem over uvswap ($codec, faults: $faults), budget $budget MiB"
  "$java" --enable-native-access=ALL-UNNAMED -Xmx1g -cp "$jar" dev.uvswap.bench.Usemem --fault-mode "$faults" \
    --budget-mib "$budget" --codec "$codec" --rounds "$rounds" --out "$out/usemem.csv" "${combos[@]}" || status=1
done; done
for faults in servers in-thread; do
  say "usemem over uvswap with huge pages (lz4, faults: $faults), budget $budget MiB"
  "$java" --enable-native-access=ALL-UNNAMED -Xmx1g -cp "$jar" dev.uvswap.bench.Usemem --fault-mode "$faults" --huge-pages \
    --budget-mib "$budget" --codec lz4 --rounds "$rounds" --out "$out/usemem.csv" "${huge_combos[@]}" || status=1
done

say "usemem under the kernel (zram, zswap)"
bash "$here/kernel/kernel-baseline.sh" --budget-mib "$budget" --usemem "$usemem_bin" --out "$out/usemem.csv" \
  --rounds "$rounds" --swap-dir "$out" "${combos[@]}" || status=1
say "usemem under the kernel with huge pages (zram)"
bash "$here/kernel/kernel-baseline.sh" --budget-mib "$budget" --usemem "$usemem_bin" --out "$out/usemem.csv" \
  --rounds "$rounds" --swap-dir "$out" --backends zram --huge "${huge_combos[@]}" || status=1

# Issue 18: compressed size and one-fault decode cost of 4 KiB..2 MiB units and zstd dictionaries.
# No swapping, only the codecs: seconds in the short run (--quick), a few minutes with --full.
say "compression units and dictionaries (CompressionUnits)"
if [ "$mode" = full ]; then units_args=(--mib 128); else units_args=(--quick); fi
"$java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.uvswap.bench.CompressionUnits "${units_args[@]}" \
  --out "$out/compression-units.csv" > "$out/compression-units.log" 2>&1 || { tail -20 "$out/compression-units.log" >&2; status=1; }

# ---- Optional: the off-heap cache's YCSB-style benchmark (examples/cache; ~10 minutes) ------------
# Off by default; UVSWAP_BENCH_CACHE=1 runs it. Its results (CSV, JSON, table, PNGs) go to $out/cache.
if [ "${UVSWAP_BENCH_CACHE:-0}" = 1 ]; then
  say "off-heap cache, YCSB workloads A/B/C: uvswap vs resident vs zram (bench/cache/run.sh)"
  bash "$here/cache/run.sh" --budget-mib "$budget" --out "$out/cache" || status=1
fi
# ------------------------------------------------------------------------------------------------

say "report and plots"
"$java" -cp "$jar" dev.uvswap.bench.report.Report --jmh "$out/jmh.json" --usemem "$out/usemem.csv" --out "$out"
exit $status
