#!/usr/bin/env bash
# `make fuzz`: builds gatehouse-fuzz with libFuzzer and AddressSanitizer in .build-fuzz and runs
# every target (a folder of Tests/Fuzz/) for FUZZ_SECONDS (default 60) each. New interesting
# inputs go to .build-fuzz/corpus/<target>/ (not committed); crashers, leaks, timeouts and OOMs are
# written into Tests/Fuzz/<target>/ itself, so `make test` replays them from then on.
#
#   FUZZ_SECONDS=10 make fuzz            # shorter budget
#   FUZZ_TARGETS="json xml" make fuzz    # some targets only
#   FUZZ_CONFIGURATION=debug make fuzz   # -Onone (better traces, fewer execs/s)
set -euo pipefail
cd "$(dirname "$0")/.."

swift=${SWIFT:-swift}
seconds=${FUZZ_SECONDS:-60}
configuration=${FUZZ_CONFIGURATION:-release}
max_len=${FUZZ_MAX_LEN:-8192}
scratch=.build-fuzz
targets=${FUZZ_TARGETS:-$(for dir in Tests/Fuzz/*/; do basename "$dir"; done)}

# libFuzzer's runtime ships with the Swift toolchain's clang.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v "$swift")")")")
if ! ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 \
    && ! ls "$toolchain"/lib/swift/clang/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
  echo "make fuzz: no libclang_rt.fuzzer in $toolchain (a swift.org Linux toolchain has it)" >&2
  exit 1
fi

# Not `--sanitize=fuzzer --sanitize=address`: SwiftPM hands swiftc one `-sanitize=` per sanitizer
# in no fixed order and the last one wins, so a build would randomly lose either the coverage
# instrumentation or ASan. One combined flag for Swift, clang's additive ones for C; SwiftPM's own
# `--sanitize=fuzzer` is kept so that it links libFuzzer's `main` instead of ours.
build=("$swift" build -c "$configuration" --product gatehouse-fuzz --scratch-path "$scratch"
  --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address -Xswiftc -DGATEHOUSE_FUZZ)
echo "== building: ${build[*]}"
set +e
"${build[@]}" 2>&1 | grep -v -e "ld.gold: warning: Cannot export local symbol" -e "^\[[0-9]*/[0-9]*\]"
built=${PIPESTATUS[0]}
set -e
[ "$built" -eq 0 ] || { echo "make fuzz: the fuzz build failed" >&2; exit 1; }
binary="$("${build[@]}" --show-bin-path)/gatehouse-fuzz"

summary=()
failed=0
for target in $targets; do
  seeds="Tests/Fuzz/$target"
  [ -d "$seeds" ] || { echo "make fuzz: no corpus folder $seeds" >&2; exit 1; }
  work="$scratch/corpus/$target"
  log="$scratch/logs/$target.log"
  mkdir -p "$work" "$(dirname "$log")"
  echo "== $target: ${seconds}s"
  before=$(ls "$seeds" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-' || true)
  status=0
  # Corpora: the writable work folder first (libFuzzer adds what it finds there), then the seeds.
  # Swift's runtime keeps metadata caches for the process's life, which LeakSanitizer would
  # report as leaks after each input; memory growth is caught by -rss_limit_mb instead.
  # Swift's own backtracer would race ASan's report; libFuzzer prints the stack.
  SWIFT_BACKTRACE=enable=no GATEHOUSE_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" "$binary" "$work" "$seeds" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$seeds/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  after=$(ls "$seeds" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-' || true)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(ls "$work" | wc -l)
  if grep -q "Is the code instrumented for coverage" "$log"; then
    failed=1
    result="NOT INSTRUMENTED: libFuzzer saw no coverage (see $log)"
  elif [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
    failed=1
    result="FOUND $((after - before)) (see $log)"
    grep -E 'ERROR|fuzz invariant|Fatal error|SUMMARY|artifact' "$log" | head -5 | sed 's/^/    /'
  else
    result="ok"
  fi
  summary+=("$(printf '%-22s %10s execs %8s execs/s %6s corpus  %s' "$target" "$execs" "$rate" "$corpus" "$result")")
done

echo
echo "== make fuzz: ${seconds}s per target, $configuration build"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "Findings were written into Tests/Fuzz/<target>/; replay one with .build/debug/gatehouse-fuzz <target> <file>" >&2
  exit 1
fi
