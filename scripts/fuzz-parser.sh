#!/usr/bin/env bash
# scripts/fuzz-parser.sh — libFuzzer run of tusk's HTTP parser, or of the PROXY
# protocol header and forwarded-headers rules.
#
# Owns: building native/http/fuzz/fuzz_parser (or fuzz_proxy) with clang
# (-fsanitize=fuzzer,address,undefined) in build/native-fuzz, seeding its
# corpus (the Gunicorn request corpus for fuzz_parser; a few PROXY headers and
# forwarded headers for fuzz_proxy), and fuzzing for the given number of
# seconds (default 60). Crashes land in build/native-fuzz/crashes/. Exit status
# is the fuzzer's (non-zero on a crash). TUSK_BUILD_ROOT moves build/ elsewhere
# (`node-gyp rebuild` deletes build/, which would pull the rug from under a
# long run).
#
#   scripts/fuzz-parser.sh [seconds] [fuzz_parser|fuzz_proxy]
set -euo pipefail

seconds="${1:-60}"
target="${2:-fuzz_parser}"
case "$target" in
  fuzz_parser | fuzz_proxy) ;;
  *) echo "fuzz-parser: unknown target $target (fuzz_parser or fuzz_proxy)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TUSK_BUILD_ROOT:-$root/build}/native-fuzz"
corpus_json="${TUSK_CORPUS:-$root/../shared/corpus/gunicorn-requests.json}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz-parser: clang++ not found; on Debian: apt-get update && apt-get install -y clang" >&2
  exit 2
fi

seed_proxy() {  # a few PROXY headers, allow-lists and forwarded headers
  # Byte 0 of each input picks the mode (fuzz_proxy.cc): 0 a PROXY header, 2 an allow-list, 3 headers.
  local dir="$1"
  mkdir -p "$dir"
  printf '\000PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\nGET / HTTP/1.1\r\n' >"$dir/v1"
  printf '\000PROXY TCP6 2001:db8::1 ::1 1 2\r\n' >"$dir/v1-6"
  printf '\000PROXY UNKNOWN\r\n' >"$dir/v1-unknown"
  printf '\000\r\n\r\n\000\r\nQUIT\n\041\021\000\014\300\000\002\052\012\000\000\001\004\322\001\273GET' >"$dir/v2"
  printf '\000\r\n\r\n\000\r\nQUIT\n\040\000\000\000' >"$dir/v2-local"
  printf '\00210.0.0.0/8,::1,*,fd00::/8,::ffff:10.0.0.0/104' >"$dir/list"
  printf '\003127.0.0.1,10.0.0.0/8\nX-Forwarded-For: 1.1.1.1, 10.0.0.2\nForwarded: for="[2001:db8::1]:4711";proto=https\nX-Forwarded-Proto: https' >"$dir/headers"
}

CXX=clang++ cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTUSK_FUZZ=ON >/dev/null
cmake --build "$build" --target "$target" -j"$(nproc)"

mkdir -p "$build/crashes"
if [ "$target" = fuzz_proxy ]; then
  corpus="$build/corpus-proxy" seeds="$build/seeds-proxy" dict="proxy.dict" max_len=8192
  seed_proxy "$seeds"
else
  corpus="$build/corpus" seeds="$build/seeds" dict="http.dict" max_len=4096
  if [ -f "$corpus_json" ]; then
    node "$root/native/http/fuzz/make-seeds.mjs" "$corpus_json" "$seeds"
  else
    echo "fuzz-parser: $corpus_json not found; starting without seeds" >&2
    mkdir -p "$seeds"
  fi
fi
mkdir -p "$corpus"

log="$build/$target.log"
set +e
"$build/$target" "$corpus" "$seeds" \
  -dict="$root/native/http/fuzz/$dict" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$build/crashes/$target-" -print_final_stats=1 >"$log" 2>&1
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
