# shellcheck shell=bash
# The report of bench/run.sh, from its R[] figures: the aims table, the costs table and the
# per-round details, in Markdown. Sourced by run.sh after the runs; `report` prints it all.
#
# R keys: PROVIDER.SCENARIO.{base,reg}.ROUND.FIGURE for each measured round (FIGURE: created_per_sec,
# latency_p99_ms, app_ms, pg_ms, wal_b, …), PROVIDER.SCENARIO.ratio.ROUND, PROVIDER.SCENARIO.rows,
# PROVIDER.instances and PROVIDER.load.

fmt() {  # printf-format value -> formatted, n/a kept
  awk -v f="$1" -v v="$2" 'BEGIN { if (v ~ /^-?[0-9.]+$/) printf f, v; else print "n/a" }'
}

rounds_of() {  # provider scenario kind figure -> the figure of every round
  local r
  for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$1.$2.$3.$r.$4]:-}"; done
}

med() {  # provider scenario kind figure -> the median over the rounds
  local -a v
  mapfile -t v < <(rounds_of "$@")
  median "${v[@]}"
}

sum_of() {  # provider scenario figure -> summed over the measured rounds of both endpoints
  local r k sum=0
  for ((r = 1; r <= ROUNDS; r++)); do
    for k in base reg; do sum=$((sum + ${R[$1.$2.$k.$r.$3]:-0})); done
  done
  echo "$sum"
}

ratio_aim() {  # provider scenario -> the aim of issue 15 for the median ratio
  if [[ $1 == sqlite ]]; then echo 0.6; elif [[ $2 == capped ]]; then echo 0.4; else echo 0.5; fi
}

met() {  # condition-as-awk-expression-on-v value -> met / **missed**
  awk -v v="$2" "BEGIN { print (v ~ /^-?[0-9.]+\$/ && ($1)) ? \"met\" : \"**missed**\" }"
}

aims_table() {
  echo "| provider | scenario | instances | registrations/s | baseline/s | ratio | ratio aim |" \
    "p99 ms, worst | p99 ms, median | non-2xx | socket errors | p99 < 100 ms |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |"
  local p s r ratio aim worst_p99
  local -a ratios p99s
  for p in $PROVIDERS; do
    for s in $(scenarios "$p"); do
      ratios=()
      for ((r = 1; r <= ROUNDS; r++)); do ratios+=("${R[$p.$s.ratio.$r]}"); done
      ratio=$(median "${ratios[@]}")
      aim=$(ratio_aim "$p" "$s")
      mapfile -t p99s < <(rounds_of "$p" "$s" reg latency_p99_ms)
      worst_p99=$(worst "${p99s[@]}")
      printf '| %s | %s | %s | %s | %s | %s | ≥ %s: %s | %s | %s | %s | %s | %s |\n' "$p" "$s" "${R[$p.instances]}" \
        "$(fmt %.0f "$(med "$p" "$s" reg created_per_sec)")" \
        "$(fmt %.0f "$(med "$p" "$s" base created_per_sec)")" \
        "$(fmt %.2f "$ratio")" "$aim" "$(met "v + 0 >= $aim" "$ratio")" \
        "$(fmt %.1f "$worst_p99")" "$(fmt %.1f "$(median "${p99s[@]}")")" \
        "$(sum_of "$p" "$s" non2xx)" "$(sum_of "$p" "$s" socket_errors)" "$(met "v + 0 < 100" "$worst_p99")"
    done
  done
}

costs_table() {
  echo "| provider | scenario | instances | app CPU ms / registration | PostgreSQL CPU ms / registration |" \
    "WAL bytes / registration | app CPU ms / baseline insert | PostgreSQL CPU ms / insert | WAL bytes / insert |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  local p s
  for p in $PROVIDERS; do
    for s in $(scenarios "$p"); do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$p" "$s" "${R[$p.instances]}" \
        "$(fmt %.2f "$(med "$p" "$s" reg app_ms)")" \
        "$(fmt %.2f "$(med "$p" "$s" reg pg_ms)")" \
        "$(fmt %.0f "$(med "$p" "$s" reg wal_b)")" \
        "$(fmt %.2f "$(med "$p" "$s" base app_ms)")" \
        "$(fmt %.2f "$(med "$p" "$s" base pg_ms)")" \
        "$(fmt %.0f "$(med "$p" "$s" base wal_b)")"
    done
  done
}

round_line() {  # key what -> one endpoint's figures of one round
  local k=$1 pg=""
  [[ ${R[$k.wal_b]} == n/a && ${R[$k.pg_ms]} == n/a ]] || pg=", PostgreSQL CPU ${R[$k.pg_ms]} ms, WAL ${R[$k.wal_b]} bytes"
  echo "$2 $(fmt %.0f "${R[$k.created_per_sec]}")/s (${R[$k.requests]} requests, ${R[$k.created]} answered 201," \
    "non-2xx ${R[$k.non2xx]}, socket errors ${R[$k.socket_errors]}: connect ${R[$k.errors_connect]}," \
    "read ${R[$k.errors_read]}, write ${R[$k.errors_write]}, timeout ${R[$k.errors_timeout]});" \
    "latency p50 ${R[$k.latency_p50_ms]} ms, p90 ${R[$k.latency_p90_ms]} ms, p99 ${R[$k.latency_p99_ms]} ms," \
    "max ${R[$k.latency_max_ms]} ms; per request: app CPU ${R[$k.app_ms]} ms$pg; app ${R[$k.app_cores]} cores," \
    "machine ${R[$k.machine_busy]} % busy."
}

details() {
  local p s r plural
  for p in $PROVIDERS; do
    for s in $(scenarios "$p"); do
      plural=s
      ((R[$p.instances] == 1)) && plural=""
      echo "- **$p, \`$s\`** (${R[$p.instances]} app instance$plural; load average before the provider: ${R[$p.load]})." \
        "Rows of the ticket in \`registrations\` afterwards: ${R[$p.$s.rows]} (smoke test + warm-up + measured)."
      for ((r = 1; r <= ROUNDS; r++)); do
        echo "  - Round $r, ratio ${R[$p.$s.ratio.$r]}. $(round_line "$p.$s.base.$r" Baseline)"
        echo "    $(round_line "$p.$s.reg.$r" Registrations)"
      done
    done
  done
}

report() {
  local split=""
  local sharing="wrk and the app"
  ((INSTANCES > 1)) && split=" in all, split over the $INSTANCES PostgreSQL app instances (one wrk each, started together)"
  wants_postgres && sharing="wrk, the app and PostgreSQL"
  echo "## Run of $DATE"
  echo
  echo "- Commit: $COMMIT"
  echo "- Machine: $MACHINE"
  echo "- Software: $SOFTWARE"
  echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS --latency\`$split; per scenario ${WARMUP} s warm-up per endpoint, then" \
    "$ROUNDS rounds of ${DURATION} s baseline followed by ${DURATION} s registrations; $sharing" \
    "sharing the machine; app in Release, Production, log level Warning; event \`$SLUG\`," \
    "tickets \`capped\` (live, 100,000 seats, waitlist) and \`unlimited\` (recording), neither confirming the address;" \
    "outbox dispatcher $( ((WITH_DISPATCH)) && echo "on (mail composed and written meanwhile)" \
      || echo "off (the mail waits in the outbox)")"
  echo "- Rates are 201 answers per second; ratio = registrations/s ÷ baseline/s of the same round; the table" \
    "quotes medians over the rounds, the worst and the median p99 of the registration rounds, and non-2xx and" \
    "socket errors summed over every measured round of both endpoints"
  echo
  aims_table
  echo
  echo "Costs per request, medians over the rounds (CPU: utime + stime from /proc of the app instances and of every" \
    "process of the PostgreSQL cluster; WAL: \`pg_wal_lsn_diff\` of \`pg_current_wal_lsn()\` around the round;" \
    "divided by the 201 answers):"
  echo
  costs_table
  echo
  details
  echo
}
