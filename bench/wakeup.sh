#!/usr/bin/env bash
#
# bench/wakeup.sh: waiting readers, instant wake-up versus polling, side by
# side in one run (`make bench-wakeup`).
#
# Starts two throwaway PostgreSQL 15 servers with identical settings, one
# with shared_preload_libraries = 'pgmq' (wake-ups through shared memory)
# and one without (read_with_poll falls back to polling every
# poll_interval_ms, PGMQ's default 100 ms), and on each measures:
#
#   latency  bench/wake_latency.c: time from a send's commit (and from its
#            start) until a reader already blocked in read_with_poll has the
#            message, for several queue and waiter counts;
#   idle     CPU used by the whole cluster while WAITERS readers wait on
#            empty queues (sum of /proc/<pid>/schedstat run time of the
#            postmaster and all its children), as % of one core.
#
# Environment: MESSAGES (per latency run, default 200), WAITERS (idle test,
# default 100), IDLE_SECONDS (default 10), BENCH_SKIP_INSTALL=1 to use the
# installed build as is.  Results also go to bench/results/wakeup-*.csv.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

MESSAGES=${MESSAGES:-200}
WAITERS=${WAITERS:-100}
IDLE_SECONDS=${IDLE_SECONDS:-10}
# "queues waiters-per-queue [--grouped]"
CONFIGS=("1 1" "10 1" "10 10" "100 1" "10 1 --grouped")

WORK=""
cleanup() {
    pg_server_cleanup "$1" "$WORK"
}
on_exit cleanup

ensure_deps
build_and_install_unless BENCH_SKIP_INSTALL

WORK=$(make_private_dir pgmq-bench-wakeup)
say "compiling bench/wake_latency.c"
gcc -O2 -Wall -Wextra -I"$("$PG_CONFIG" --includedir)" -o "$WORK/wake_latency" \
    "$REPO_ROOT/bench/wake_latency.c" -L"$("$PG_CONFIG" --libdir)" -lpq

mkdir -p "$REPO_ROOT/bench/results"
CSV=$REPO_ROOT/bench/results/wakeup-$(date +%Y%m%d-%H%M%S).csv
echo "mode,function,queues,waiters_per_queue,messages,commit_p50_ms,commit_p95_ms,commit_p99_ms,commit_max_ms,send_p50_ms,send_p95_ms,send_p99_ms,send_max_ms" >"$CSV"
IDLE_LINES=()

# start_server DIR PRELOAD(yes|no): start a server in DIR and create pgmq
start_server() {
    local dir=$1 preload=$2
    local conf=("max_connections = $((WAITERS + 150))" "shared_buffers = 128MB")
    if [[ $preload == yes ]]; then
        conf+=("shared_preload_libraries = 'pgmq'")
    fi
    pg_server_init "$dir" "${conf[@]}"
    pg_server_start "$dir"
    pg_server_psql "$dir" -q -c "CREATE EXTENSION pgmq"
}

# CPU nanoseconds used so far by the cluster whose postmaster is PID
cluster_cpu_ns() {
    local pm=$1 total=0 pid ns
    for pid in "$pm" $(pgrep -P "$pm"); do
        if ns=$(cut -d' ' -f1 "/proc/$pid/schedstat" 2>/dev/null); then
            total=$((total + ns))
        fi
    done
    echo "$total"
}

idle_cpu() {
    local dir=$1 mode=$2 pm t0 t1 pids=() i
    local psql=(pg_server_psql "$dir" -q -At)
    "${psql[@]}" -c "SELECT pgmq.create('idle_' || g) FROM generate_series(1, $WAITERS) g" >/dev/null
    for i in $(seq 1 "$WAITERS"); do
        "${psql[@]}" -c "SELECT count(*) FROM pgmq.read_with_poll('idle_$i', 30, 1, $((IDLE_SECONDS + 15)))" >/dev/null 2>&1 &
        pids+=($!)
    done
    sleep 4
    pm=$(head -n 1 "$dir/data/postmaster.pid")
    t0=$(cluster_cpu_ns "$pm")
    sleep "$IDLE_SECONDS"
    t1=$(cluster_cpu_ns "$pm")
    "${psql[@]}" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%read_with_poll(''idle_%' AND pid <> pg_backend_pid()" >/dev/null
    wait "${pids[@]}" 2>/dev/null || true
    IDLE_LINES+=("$(awk -v d=$((t1 - t0)) -v s="$IDLE_SECONDS" -v w="$WAITERS" -v m="$mode" \
        'BEGIN { printf "%-6s %d waiters on empty queues: cluster CPU %.2f%% of one core (over %d s)", m, w, 100.0 * d / 1e9 / s, s }')")
}

for mode in shmem poll; do
    preload=no
    [[ $mode == shmem ]] && preload=yes
    dir=$WORK/$mode
    start_server "$dir" "$preload"
    dsn=$(pg_server_dsn "$dir")
    echo
    echo "==================== $mode (preload=$preload) ===================="
    for cfg in "${CONFIGS[@]}"; do
        read -r q w extra <<<"$cfg"
        # shellcheck disable=SC2086  # $extra is empty or one option
        as_pg_user "$WORK/wake_latency" --dsn "$dsn" --queues "$q" --waiters "$w" \
            --messages "$MESSAGES" --csv "$WORK/latency.csv" $extra
    done
    idle_cpu "$dir" "$mode"
    echo "${IDLE_LINES[-1]}"
    pg_server_stop "$dir"
done

cat "$WORK/latency.csv" >>"$CSV"
echo
echo "==================== summary (ms; from commit / from send start) ===================="
printf '%-6s %-22s %6s %7s | %8s %8s %8s %8s | %8s %8s\n' mode function queues waiters p50 p95 p99 max "p50(s)" "max(s)"
while IFS=, read -r m fn q w _ c50 c95 c99 cmax s50 _ _ smax; do
    printf '%-6s %-22s %6s %7s | %8s %8s %8s %8s | %8s %8s\n' "$m" "$fn" "$q" "$w" "$c50" "$c95" "$c99" "$cmax" "$s50" "$smax"
done <"$WORK/latency.csv"
for line in "${IDLE_LINES[@]}"; do
    echo "$line"
done
echo "results: $CSV"
