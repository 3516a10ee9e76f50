-- Prints wrk's latency percentiles in milliseconds (P50/P95/P99 lines) for
-- scripts/page-bench.sh.
done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("P%d %.1fms\n", p, latency:percentile(p) / 1000))
  end
end
