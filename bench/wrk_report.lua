-- wrk script: at the end of a run, print one JSON line (prefixed with
-- "WRK_JSON ") with exact figures, so that bench/report.py never has to parse
-- wrk's rounded human-readable summary. Latencies are in microseconds.
--
-- errors.status counts answers with a status above 399. No response()
-- callback on purpose: defining one makes wrk hand every response (headers
-- and body) to Lua, which would slow the load generator down, above all for
-- the 1 MiB bodies.

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
