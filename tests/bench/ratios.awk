# Reads median JSON lines of several runtimes (compare.sh) and prints the
# table of BENCHMARKS.md: each figure per runtime and the ratio of ours
# ("actord") to the best peer. For rates the best peer is the fastest and a
# ratio above 1 means we are faster; for bytes per actor the best peer is
# the smallest and a ratio below 1 means we use less.
function get(line, key,    re, m) {
  re = "\"" key "\":[^,}]*"
  if (!match(line, re)) return ""
  m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
  gsub(/"/, "", m)
  return m
}
BEGIN { rts["actord"] = 1; rtorder[++nrt] = "actord" }
{
  rt = get($0, "runtime"); w = get($0, "workload")
  if (rt == "" || w == "") next
  if (!(rt in rts)) { rts[rt] = 1; rtorder[++nrt] = rt }
  line[rt, w] = $0
}
function row(label, w, key, lower,    j, rt, v, best, ours, cell, out) {
  out = sprintf("%-12s %-16s", label, key)
  best = ""; ours = ""
  for (j = 1; j <= nrt; j++) {
    rt = rtorder[j]
    v = ((rt, w) in line) ? get(line[rt, w], key) : ""
    out = out sprintf(" %14s", v == "" ? "-" : v)
    if (v == "") continue
    if (rt == "actord") ours = v + 0
    else if (best == "" || (lower ? v + 0 < best : v + 0 > best)) best = v + 0
  }
  if (ours != "" && best != "" && best > 0)
    cell = sprintf("%.2f", ours / best)
  else
    cell = "-"
  print out sprintf(" %14s", cell) (lower ? "  (lower is better)" : "")
}
END {
  hdr = sprintf("%-12s %-16s", "workload", "figure")
  for (j = 1; j <= nrt; j++) hdr = hdr sprintf(" %14s", rtorder[j])
  print hdr sprintf(" %14s", "ours/best peer")
  row("pingpong", "pingpong", "msgs_per_s", 0)
  row("counting", "counting", "msgs_per_s", 0)
  row("threadring", "threadring", "hops_per_s", 0)
  row("spawn", "spawn", "spawns_per_s", 0)
  row("spawn memory", "spawn", "rss_per_actor_b", 1)
  row("fanout", "fanout", "msgs_per_s", 0)
}
