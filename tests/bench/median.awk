# Reads the JSON lines of several runs of one workload (flat objects of
# numbers and strings, as the benchmark programs print them) and prints one
# line with the same keys in the same order: the median of each number, the
# first run's value of each string.
function isnum(v) { return v ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
{
  line = $0
  sub(/^[ \t]*\{/, "", line)
  sub(/\}[ \t]*$/, "", line)
  n = split(line, parts, ",")
  for (i = 1; i <= n; i++) {
    p = index(parts[i], ":")
    if (p == 0) continue
    k = substr(parts[i], 1, p - 1)
    v = substr(parts[i], p + 1)
    if (!(k in seen)) { seen[k] = 1; order[++nkeys] = k; first[k] = v }
    if (isnum(v)) vals[k, ++cnt[k]] = v + 0
  }
}
END {
  if (nkeys == 0) exit 1
  out = "{"
  for (j = 1; j <= nkeys; j++) {
    k = order[j]
    if (cnt[k] > 0) {
      m = cnt[k]
      for (a = 1; a <= m; a++) s[a] = vals[k, a]
      for (a = 2; a <= m; a++) {          # insertion sort: m is small
        x = s[a]; b = a - 1
        while (b >= 1 && s[b] > x) { s[b + 1] = s[b]; b-- }
        s[b + 1] = x
      }
      med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
      v = (med == int(med) && first[k] !~ /\./) ? sprintf("%d", med) \
                                                 : sprintf("%.6g", med)
      if (v ~ /e/) v = (med >= 1 || med <= -1) ? sprintf("%.0f", med) \
                                                  : sprintf("%.9f", med)
    } else v = first[k]
    out = out (j > 1 ? "," : "") k ":" v
  }
  print out "}"
}
