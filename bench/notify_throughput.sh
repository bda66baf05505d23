#!/usr/bin/env bash
#
# bench/notify_throughput.sh: what insert notifications cost producers.
#
# Starts a throwaway PostgreSQL server (Unix socket only, private temp
# directory, removed at the end whatever happens), creates queue "bench"
# and measures pgmq.send() throughput with pgbench, 4 clients
# (-c 4 -j 4 -T BENCH_DURATION, prepared protocol, one send per
# transaction), while one psql session LISTENs on "pgmq.q_bench.INSERT"
# and counts what arrives.  Configurations, run in one go:
#
#   none            notifications disabled
#   pgmq  0 ms      pgmq.enable_notify_insert('bench', 0)     (this extension)
#   pgmq  250 ms    pgmq.enable_notify_insert('bench')        (default interval)
#   PGMQ-style ...  the same intervals with a PGMQ-1.13-style trigger: a
#                   PL/pgSQL constraint trigger that UPDATEs the queue's
#                   row in a throttle table identical to
#                   pgmq.notify_insert_throttle on every inserted row and
#                   NOTIFYs when it updated it (written from PGMQ's
#                   documented behaviour, see bench_pgmq below)
#
# Besides throughput it samples pg_stat_activity every 10 ms during each
# run: how many senders, on average, were waiting on a row lock
# (transactionid/tuple: the throttle row) and on the NOTIFY queue lock
# (object: PostgreSQL serialises notifying commits cluster-wide).
#
# The send itself is pgmq's C send in every configuration; only the
# notification mechanism differs.  With the system's PostgreSQL the
# extension is built and installed first (BENCH_SKIP_INSTALL=1: use the
# installed build); with PG_CONFIG/PG_BIN set, that installation's pgmq is
# used as it is.
#
# Environment:
#   PG_CONFIG / PG_BIN   the PostgreSQL to use (default: the system's 15);
#                        PG_CONFIG wins, PG_BIN is its --bindir
#   BENCH_DURATION       seconds per run (default 10)
#   BENCH_ROUNDS         rounds; the configurations are interleaved round by
#                        round and the median round is reported (default 3)
#   BENCH_CLIENTS        pgbench clients and threads (default 4)
#   BENCH_SYNC_COMMIT    synchronous_commit for the server (default on)
set -euo pipefail

# common.sh pins PG_BIN/PG_CONFIG to the system's PostgreSQL 15; keep the
# caller's choice.
USER_PG_CONFIG=${PG_CONFIG:-}
USER_PG_BIN=${PG_BIN:-}
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
if [[ -n $USER_PG_CONFIG ]]; then
    PG_CONFIG=$USER_PG_CONFIG
    PG_BIN=$("$PG_CONFIG" --bindir)
elif [[ -n $USER_PG_BIN ]]; then
    PG_BIN=$USER_PG_BIN
    PG_CONFIG=$PG_BIN/pg_config
fi

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-4}
SYNC_COMMIT=${BENCH_SYNC_COMMIT:-on}
CHANNEL='pgmq.q_bench.INSERT'

# With the system's PostgreSQL (make bench-notify), install what is missing
# and build and install pgmq first, like the other benchmarks;
# BENCH_SKIP_INSTALL=1 uses the installed build as it is.
if [[ -z $USER_PG_CONFIG && -z $USER_PG_BIN && ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
    ensure_deps
    build_and_install
fi

[[ -x $PG_BIN/postgres ]] || die "no PostgreSQL server in $PG_BIN (set PG_CONFIG or PG_BIN)"
[[ -x $PG_BIN/pgbench ]] || die "no pgbench in $PG_BIN"
[[ -f $("$PG_CONFIG" --sharedir)/extension/pgmq.control ]] ||
    die "pgmq is not installed in $("$PG_CONFIG" --sharedir); run make install PG_CONFIG=$PG_CONFIG"

WORK_DIR=""
cleanup() {
    [[ -n $WORK_DIR ]] && rm -f "$WORK_DIR/listening"
    wait 2>/dev/null
    pg_server_cleanup "$1" "$WORK_DIR"
}
on_exit cleanup

WORK_DIR=$(make_private_dir pgmq-notify-bench)

say "PostgreSQL: $("$PG_BIN/postgres" --version); pgmq from $("$PG_CONFIG" --pkglibdir)"
say "starting a throwaway server in $WORK_DIR (synchronous_commit = $SYNC_COMMIT)"
pg_server_init "$WORK_DIR" \
    "max_connections = 50" \
    "synchronous_commit = $SYNC_COMMIT"
pg_server_start "$WORK_DIR"
PORT=$(pg_server_port "$WORK_DIR")

psql_q() {
    pg_server_psql "$WORK_DIR" -q -A -t "$@"
}

# pgbench: CLIENTS clients sending for DURATION seconds
pgbench_sends() {
    as_pg_user "$PG_BIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" \
        -f "$WORK_DIR/send.sql" -h "$WORK_DIR" -p "$PORT" postgres
}

psql_q <<'EOF'
CREATE EXTENSION pgmq;
SELECT pgmq.create('bench');

-- PGMQ-style notification, for comparison: a throttle table laid out like
-- pgmq.notify_insert_throttle, and PGMQ 1.13.1's trigger logic as
-- documented: for every inserted row, UPDATE the queue's throttle row
-- (last_notified_at = clock_timestamp()) if the interval is 0 or has
-- passed; NOTIFY if a row was updated.
CREATE SCHEMA bench_pgmq;
CREATE UNLOGGED TABLE bench_pgmq.notify_insert_throttle (
    queue_name character varying NOT NULL,
    throttle_interval_ms integer DEFAULT 0 NOT NULL,
    last_notified_at timestamp with time zone DEFAULT to_timestamp(0) NOT NULL,
    CONSTRAINT bench_throttle_queue_name_key UNIQUE (queue_name),
    CONSTRAINT bench_throttle_meta_queue_name_fk FOREIGN KEY (queue_name)
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE
);
CREATE INDEX bench_idx_notify_throttle_active ON bench_pgmq.notify_insert_throttle
    (queue_name, last_notified_at) WHERE throttle_interval_ms > 0;

CREATE FUNCTION bench_pgmq.notify_queue_listeners() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    q text := TG_ARGV[0];
    n integer;
BEGIN
    UPDATE bench_pgmq.notify_insert_throttle t
       SET last_notified_at = clock_timestamp()
     WHERE t.queue_name = q
       AND (t.throttle_interval_ms = 0
            OR clock_timestamp() - t.last_notified_at
               >= t.throttle_interval_ms * interval '1 millisecond');
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('pgmq.q_' || q || '.INSERT', NULL);
    END IF;
    RETURN NEW;
END
$$;
EOF

printf '%s\n' "SELECT * FROM pgmq.send('bench', '{\"order\": 42, \"note\": \"benchmark\"}');" \
    >"$WORK_DIR/send.sql"

# Put the queue into one configuration: <impl> = none | pgmq | pgmq-style.
configure() {
    local impl=$1 interval=$2
    psql_q <<EOF >/dev/null
SET client_min_messages = warning;
SELECT pgmq.disable_notify_insert('bench');
DROP TRIGGER IF EXISTS trigger_notify_queue_insert_listeners ON pgmq.q_bench;
TRUNCATE bench_pgmq.notify_insert_throttle;
TRUNCATE pgmq.q_bench;
EOF
    case $impl in
        none) ;;
        pgmq)
            psql_q -c "SELECT pgmq.enable_notify_insert('bench', $interval)" >/dev/null ;;
        pgmq-style)
            psql_q <<EOF >/dev/null
INSERT INTO bench_pgmq.notify_insert_throttle (queue_name, throttle_interval_ms)
    VALUES ('bench', $interval);
CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners
    AFTER INSERT ON pgmq.q_bench DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION bench_pgmq.notify_queue_listeners('bench');
EOF
            ;;
    esac
    psql_q <<'EOF' >/dev/null
VACUUM ANALYZE pgmq.q_bench, pgmq.notify_insert_throttle, bench_pgmq.notify_insert_throttle;
CHECKPOINT;
EOF
}

# One measured run; prints "tps latency_ms notifications rowlock_waiters notify_waiters".
run_one() {
    local tag=$1 out=$WORK_DIR/$1
    # the listener: LISTEN, then a trivial query every 100 ms so psql
    # prints what arrived, until the marker file goes away
    touch "$WORK_DIR/listening"
    {
        printf 'LISTEN "%s";\nSELECT 1;\n' "$CHANNEL"
        while [[ -e $WORK_DIR/listening ]]; do
            printf 'SELECT 1;\n'
            sleep 0.1
        done
        printf 'SELECT 1;\n'
    } | psql_q >"$out.listener" 2>&1 &
    local listener=$!
    local tries=0
    until grep -q '^1$' "$out.listener" 2>/dev/null || ((++tries > 100)); do
        sleep 0.05
    done
    # the sampler: senders waiting on a row lock / on the NOTIFY lock
    psql_q >"$out.sampler" 2>&1 <<EOF &
DO \$\$
DECLARE
    stop timestamptz := clock_timestamp() + interval '$DURATION seconds';
    samples int := 0;
    rowlock bigint := 0;
    notifylock bigint := 0;
BEGIN
    WHILE clock_timestamp() < stop LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT rowlock + count(*) FILTER (WHERE wait_event IN ('transactionid', 'tuple')),
               notifylock + count(*) FILTER (WHERE wait_event = 'object')
          INTO rowlock, notifylock
          FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND query LIKE '%pgmq.send%';
        samples := samples + 1;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RAISE WARNING 'sampled % % %', samples, rowlock, notifylock;
END
\$\$;
EOF
    local sampler=$!
    pgbench_sends >"$out.pgbench" 2>&1 ||
        { cat "$out.pgbench" >&2; die "pgbench failed ($tag)"; }
    wait "$sampler" || true
    sleep 0.5
    rm -f "$WORK_DIR/listening"
    wait "$listener" || true

    local tps lat notes s r n
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out.pgbench" | tail -1)
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$out.pgbench")
    notes=$(grep -c "^Asynchronous notification \"$CHANNEL\" received" "$out.listener" || true)
    read -r s r n < <(sed -n 's/.*sampled \([0-9]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3/p' "$out.sampler")
    [[ -n ${tps:-} && -n ${s:-} ]] || { cat "$out.pgbench" "$out.sampler" >&2; die "could not parse results ($tag)"; }
    awk -v t="$tps" -v l="$lat" -v c="$notes" -v s="$s" -v r="$r" -v n="$n" -v d="$DURATION" \
        'BEGIN { printf "%.0f %.3f %.1f %.2f %.2f\n", t, l, c / d, r / s, n / s }'
}

CONFIGS=("none 0" "pgmq 0" "pgmq 250" "pgmq-style 0" "pgmq-style 250")
declare -A RESULTS

# warm up (caches, WAL segments, the plans of this backend's sends); not reported
say "warming up ($DURATION s)"
configure none 0
pgbench_sends >/dev/null 2>&1 || die "pgbench failed (warm-up)"

for round in $(seq "$ROUNDS"); do
    for cfg in "${CONFIGS[@]}"; do
        read -r impl interval <<<"$cfg"
        say "round $round/$ROUNDS: $impl, interval $interval ms ($DURATION s)"
        configure "$impl" "$interval"
        RESULTS["$cfg"]+="$(run_one "r${round}_${impl}_${interval}")"$'\n'
    done
done

# The median round by throughput, per configuration.
median_of() {
    sort -n -k1,1 | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'
}

echo
printf 'Send throughput with insert notifications: %s clients, %s s x %s rounds (median round), synchronous_commit = %s\n' \
    "$CLIENTS" "$DURATION" "$ROUNDS" "$SYNC_COMMIT"
printf '%-20s %9s %7s %8s %11s %11s %16s   %s\n' \
    implementation interval tps 'vs none' 'latency ms' 'notifies/s' 'waiting: row NOTIFY' 'tps of each round'
printf '%-20s %9s %7s %8s %11s %11s %16s   %s\n' \
    -------------------- --------- ------- -------- ----------- ----------- ------------------- -----------------
base=""
for cfg in "${CONFIGS[@]}"; do
    read -r impl interval <<<"$cfg"
    read -r tps lat notes rowlock notifylock < <(printf '%s' "${RESULTS[$cfg]}" | median_of)
    [[ -z $base ]] && base=$tps
    case $impl in
        none) label='notify disabled'; ival='-' ;;
        pgmq) label='pgmq (this, C)'; ival="$interval ms" ;;
        pgmq-style) label='PGMQ-style trigger'; ival="$interval ms" ;;
    esac
    printf '%-20s %9s %7s %7s%% %11s %11s %12s %6s   %s\n' "$label" "$ival" "$tps" \
        "$(awk -v a="$tps" -v b="$base" 'BEGIN { printf "%.0f", 100 * a / b }')" \
        "$lat" "$notes" "$rowlock" "$notifylock" \
        "$(printf '%s' "${RESULTS[$cfg]}" | awk '{ printf "%s%s", sep, $1; sep = " " }')"
done
echo
echo "waiting: average number of senders found waiting on a row lock (the throttle row)"
echo "and on the NOTIFY queue lock, sampled every 10 ms."
