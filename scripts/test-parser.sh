#!/usr/bin/env bash
# scripts/test-parser.sh — builds and runs tusk's C++ parser tests.
#
# Owns: configuring native/CMakeLists.txt twice under build/native-test
# (plain/ and asan/ with -DTUSK_SANITIZE=ON), building, and running
# parser_test with the Gunicorn corpus (converted by
# native/http/test/corpus-to-lines.mjs) in both builds. Each run ends with a
# "N passed, N failed" line; the script fails if either run fails.
# TUSK_BUILD_ROOT moves build/ elsewhere; TUSK_CORPUS overrides the corpus path.
#
#   scripts/test-parser.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TUSK_BUILD_ROOT:-$root/build}/native-test"
corpus_json="${TUSK_CORPUS:-$root/../shared/corpus/gunicorn-requests.json}"
jobs="$(nproc 2>/dev/null || echo 2)"

run() {  # run <name> <cmake args...>
  local name="$1"
  shift
  local dir="$build/$name"
  echo "== parser tests ($name)"
  cmake -S "$root/native" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUSK_FUZZ=OFF \
    -DTUSK_CORPUS="$corpus_json" "$@" >/dev/null
  cmake --build "$dir" --target parser_test parser_bench -j"$jobs" >/dev/null
  local args=()
  if [ -f "$corpus_json" ]; then
    node "$root/native/http/test/corpus-to-lines.mjs" "$corpus_json" "$dir/gunicorn-corpus.txt"
    args+=("$dir/gunicorn-corpus.txt")
  else
    echo "test-parser: corpus $corpus_json not found; running unit tests only" >&2
  fi
  "$dir/parser_test" "${args[@]}"
}

run plain
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
  run asan -DTUSK_SANITIZE=ON
