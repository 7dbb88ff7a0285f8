#!/usr/bin/env bash
# scripts/fuzz-parser.sh — libFuzzer run of tusk's HTTP parser.
#
# Owns: building native/http/fuzz/fuzz_parser with clang
# (-fsanitize=fuzzer,address,undefined) in build/native-fuzz, seeding
# build/native-fuzz/corpus from the Gunicorn request corpus, and fuzzing for
# the given number of seconds (default 60). Crashes land in
# build/native-fuzz/crashes/. Exit status is the fuzzer's (non-zero on a crash).
# TUSK_BUILD_ROOT moves build/ elsewhere (`node-gyp rebuild` deletes build/,
# which would pull the rug from under a long run).
#
#   scripts/fuzz-parser.sh [seconds]
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TUSK_BUILD_ROOT:-$root/build}/native-fuzz"
corpus_json="${TUSK_CORPUS:-$root/../shared/corpus/gunicorn-requests.json}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz-parser: clang++ not found; on Debian: apt-get update && apt-get install -y clang" >&2
  exit 2
fi

CXX=clang++ cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTUSK_FUZZ=ON >/dev/null
cmake --build "$build" --target fuzz_parser -j"$(nproc)"

mkdir -p "$build/corpus" "$build/crashes"
if [ -f "$corpus_json" ]; then
  node "$root/native/http/fuzz/make-seeds.mjs" "$corpus_json" "$build/seeds"
else
  echo "fuzz-parser: $corpus_json not found; starting without seeds" >&2
  mkdir -p "$build/seeds"
fi

log="$build/fuzz.log"
set +e
"$build/fuzz_parser" "$build/corpus" "$build/seeds" \
  -dict="$root/native/http/fuzz/http.dict" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$build/crashes/" -print_final_stats=1 >"$log" 2>&1
status=$?
set -e

# The last status line carries the exec count, e.g. "#123456 DONE cov: ...".
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-parser: fuzzer exited with $status; see $log and $build/crashes/" >&2
  grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20 >&2 || true
fi
exit "$status"
