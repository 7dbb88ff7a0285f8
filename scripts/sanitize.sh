#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer, runs the whole test suite
# against it (node itself is not instrumented, so the sanitizer runtimes are preloaded into every
# process, workers included), then rebuilds the normal addon.
#   scripts/sanitize.sh [test files...]
set -euo pipefail
cd "$(dirname "$0")/.."
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
restore() { npm run --silent build:native >/dev/null; }
trap restore EXIT
CFLAGS="$san" CXXFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" npm run --silent build:native >/dev/null
preload="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/*.test.mjs)
# Node's own allocations are not ours to judge: leak checking is off; everything else aborts.
LD_PRELOAD="$preload" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=stderr" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  node --test --test-concurrency=2 "${files[@]}"
