-- Prints wrk's latency percentiles in milliseconds (P50/P95/P99 lines) for
-- scripts/page-bench.sh. A path ending in "page=" gets a random page
-- number (1–100,000) on every request: a catalogue search no cache has
-- seen (page-bench.sh's catalogue-miss; a page past the end shows the
-- last page, so each does the work of an uncached search).
--
-- With a file argument (wrk … -s page-bench-wrk.lua -- FILE), each line of
-- FILE is "COOKIE<tab>PATH": the requests go round those lines, each with
-- its own cookie, so that each connection's consecutive requests are
-- different people's (page-bench.sh's player-learners). Each thread starts
-- at its own line.
local unique = string.sub(wrk.path, -5) == "page="
local reqs, n, i = nil, 0, 0

init = function(args)
  if args[1] then
    reqs = {}
    for line in io.lines(args[1]) do
      local ck, path = line:match("^([^\t]*)\t(.*)$")
      if ck then
        reqs[#reqs + 1] = wrk.format(nil, path, {Host = wrk.host, Cookie = ck})
      end
    end
    n = #reqs
    i = math.random(0, n - 1)
  end
end

request = function()
  if reqs then
    i = i % n + 1
    return reqs[i]
  end
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
