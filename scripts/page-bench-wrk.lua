-- Prints wrk's latency percentiles in milliseconds (P50/P95/P99 lines) for
-- scripts/page-bench.sh. A path ending in "page=" gets a random page
-- number (1–100,000) on every request: a catalogue search no cache has
-- seen (page-bench.sh's catalogue-miss; a page past the end shows the
-- last page, so each does the work of an uncached search).
local unique = string.sub(wrk.path, -5) == "page="

request = function()
  if unique then
    return wrk.format(nil, wrk.path .. math.random(1, 100000))
  end
  return wrk.format()
end

done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("P%d %.1fms\n", p, latency:percentile(p) / 1000))
  end
end
