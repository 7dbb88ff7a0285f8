-- Appended to every wrk script the bench runs: done() prints one machine-readable line with the
-- exact counts and latency percentiles (microseconds), which bench/lib/loadgen.mjs parses.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\n@@BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.2f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
