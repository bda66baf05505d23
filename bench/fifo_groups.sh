#!/usr/bin/env bash
#
# bench/fifo_groups.sh: how long one FIFO-group read takes, by queue length,
# with and without the FIFO index, next to a PGMQ-style SQL reference.
#
# Starts a throwaway PostgreSQL 15 server, fills one queue per size with
# messages spread round-robin over GROUP_COUNT groups (message i in group
# "g<i mod GROUP_COUNT>", all visible), and times, in one run:
#
#   read_grouped(q, 30, QTY)       oldest group drained first
#   read_grouped_rr(q, 30, QTY)    layered round-robin over all groups
#   read_grouped_head(q, 30, NULL) one head per group (so GROUP_COUNT rows, not QTY)
#   read(q, 30, QTY)               plain read, for scale: the cost of claiming
#                                  QTY rows without any grouping
#   pgmq-style SQL (QTY)           a hand-written query doing what PGMQ 1.13's
#                                  read_grouped does: aggregate the whole queue
#                                  (per-group min visible msg_id), lock those
#                                  heads, drop groups with an invisible
#                                  predecessor, rank, take QTY, lock SKIP
#                                  LOCKED, update, return
#
# first without the FIFO index (scan path; the reference never uses it),
# then after pgmq.create_fifo_index (index path).  Each call runs in a
# transaction that is rolled back, so every repetition sees the same queue;
# the time is measured inside the server (clock_timestamp() around the
# statement, in a procedure that rolls back after each call), one warm-up
# call first.  A configuration whose warm-up call takes long gets fewer
# repetitions (at least 3), so the run stays within a few minutes.
#
# Environment:
#   SIZES        queue lengths (default "6000 10000 100000 1000000")
#   GROUP_COUNT  groups per queue (default 30)
#   QTY          messages per read (default 200)
#   ITERATIONS   timed calls per configuration (default 20)
#   SLOW_BUDGET_S  seconds of timed calls allowed per slow configuration
#                (default 8)
#   BENCH_SKIP_INSTALL=1  use the installed pgmq as is (no build/install)
# The table is also written to bench/results/fifo-groups-<timestamp>.txt.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

SIZES=${SIZES:-"6000 10000 100000 1000000"}
GROUP_COUNT=${GROUP_COUNT:-30}
QTY=${QTY:-200}
ITERATIONS=${ITERATIONS:-20}
SLOW_BUDGET_S=${SLOW_BUDGET_S:-8}

WORK=""
cleanup() {
    pg_server_cleanup "$1" "$WORK"
}
on_exit cleanup

ensure_deps
build_and_install_unless BENCH_SKIP_INSTALL

WORK=$(make_private_dir pgmq-bench-fifo)
pg_server_init "$WORK" \
    "shared_buffers = 256MB" \
    "max_wal_size = 4GB" \
    "autovacuum = off" \
    "fsync = off" \
    "synchronous_commit = off" \
    "full_page_writes = off"
PORT=$(pg_server_port "$WORK")
say "starting a throwaway server in $WORK (port $PORT)"
pg_server_start "$WORK"

psql_() {
    pg_server_psql "$WORK" -q -At "$@"
}

psql_ <<'EOF'
CREATE EXTENSION pgmq;

CREATE TABLE bench_result (
    seq        serial,
    msgs       bigint,
    groups     integer,
    fifo_index boolean,
    what       text,
    n          integer,
    rows_out   bigint,
    times_ms   double precision[],
    same_ids   boolean          -- reference only: chose what read_grouped chose
);

-- Time stmt (one $1 parameter: the queue name; returns one bigint) iters
-- times after one warm-up call, each call in its own rolled-back
-- transaction.  Slow statements get fewer repetitions (budget_s of timed
-- calls, at least 3).
CREATE PROCEDURE bench_time(q text, msgs bigint, groups integer, fifo_index boolean,
                            what text, stmt text, iters integer, budget_s double precision)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    warm double precision;
    times double precision[] := '{}';
    cnt bigint;
    n integer;
BEGIN
    t0 := clock_timestamp();
    EXECUTE stmt INTO cnt USING q;
    warm := extract(epoch FROM clock_timestamp() - t0) * 1000;
    ROLLBACK;
    n := greatest(3, least(iters, floor(budget_s * 1000 / greatest(warm, 0.001))::integer));
    FOR i IN 1 .. n LOOP
        t0 := clock_timestamp();
        EXECUTE stmt INTO cnt USING q;
        times := times || extract(epoch FROM clock_timestamp() - t0) * 1000;
        ROLLBACK;
    END LOOP;
    INSERT INTO bench_result (msgs, groups, fifo_index, what, n, rows_out, times_ms)
    VALUES (msgs, groups, fifo_index, what, n, cnt, times);
    COMMIT;
END $$;

-- The PGMQ-style reference: what PGMQ 1.13's read_grouped does, written out
-- as one statement (aggregate over the whole queue on every call).
CREATE FUNCTION ref_read_grouped(q text, vt integer, qty integer)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH heads AS (          -- per group, the lowest visible msg_id
            SELECT coalesce(headers->>'x-pgmq-group', '_default_fifo_group') AS grp,
                   min(msg_id) AS head
              FROM pgmq.%1$I
             WHERE vt <= clock_timestamp()
             GROUP BY 1
        ), locked_heads AS (     -- try to take each group's head
            SELECT h.grp, h.head
              FROM pgmq.%1$I x JOIN heads h ON x.msg_id = h.head
               FOR UPDATE OF x SKIP LOCKED
        ), eligible AS (         -- no invisible predecessor in the group
            SELECT l.grp, l.head, row_number() OVER (ORDER BY l.head) AS grank
              FROM locked_heads l
             WHERE NOT EXISTS (
                   SELECT FROM pgmq.%1$I p
                    WHERE coalesce(p.headers->>'x-pgmq-group', '_default_fifo_group') = l.grp
                      AND p.msg_id < l.head
                      AND p.vt > clock_timestamp())
        ), ranked AS (           -- visible messages ranked within their group
            SELECT x.msg_id, e.grank,
                   row_number() OVER (PARTITION BY e.grp ORDER BY x.msg_id) AS r
              FROM pgmq.%1$I x
              JOIN eligible e
                ON coalesce(x.headers->>'x-pgmq-group', '_default_fifo_group') = e.grp
             WHERE x.vt <= clock_timestamp()
        ), chosen AS (
            SELECT x.msg_id FROM pgmq.%1$I x
             WHERE x.msg_id IN (SELECT msg_id FROM ranked ORDER BY grank, r LIMIT $1)
               FOR UPDATE SKIP LOCKED
        )
        UPDATE pgmq.%1$I m
           SET vt = clock_timestamp() + make_interval(secs => $2),
               read_ct = m.read_ct + 1,
               last_read_at = clock_timestamp()
         WHERE m.msg_id IN (SELECT msg_id FROM chosen)
        RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.last_read_at, m.vt, m.message, m.headers
    $q$, 'q_' || q) USING qty, vt;
END $f$;

-- whether the reference chooses the same messages as pgmq.read_grouped
CREATE FUNCTION ref_matches(q text, qty integer) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    a bigint[];
    b bigint[];
BEGIN
    BEGIN
        SELECT array_agg(msg_id ORDER BY msg_id) INTO a FROM pgmq.read_grouped(q, 30, qty);
        RAISE EXCEPTION USING ERRCODE = 'P0004';   -- undo the read
    EXCEPTION WHEN assert_failure THEN NULL;
    END;
    BEGIN
        SELECT array_agg(msg_id ORDER BY msg_id) INTO b FROM ref_read_grouped(q, 30, qty);
        RAISE EXCEPTION USING ERRCODE = 'P0004';
    EXCEPTION WHEN assert_failure THEN NULL;
    END;
    RETURN a = b;
END $$;
EOF

SECONDS=0
for size in $SIZES; do
    q="fg_$size"
    say "queue $q: $size messages in $GROUP_COUNT groups"
    psql_ <<EOF
SELECT pgmq.create('$q');
INSERT INTO pgmq.q_$q (vt, message, headers)
SELECT now() - interval '1 minute', jsonb_build_object('i', i),
       jsonb_build_object('x-pgmq-group', 'g' || (i % $GROUP_COUNT))
  FROM generate_series(1, $size) i;
VACUUM ANALYZE pgmq.q_$q;
EOF
    for idx in false true; do
        if [[ $idx == true ]]; then
            psql_ -c "SELECT pgmq.create_fifo_index('$q')" -c "ANALYZE pgmq.q_$q" >/dev/null
        fi
        for what in read_grouped read_grouped_rr read_grouped_head pgmq_sql read; do
            # the reference never uses our index: time it once, without
            [[ $what == pgmq_sql && $idx == true ]] && continue
            case $what in
                read_grouped) stmt="SELECT count(*) FROM pgmq.read_grouped(\$1, 30, $QTY)" ;;
                read_grouped_rr) stmt="SELECT count(*) FROM pgmq.read_grouped_rr(\$1, 30, $QTY)" ;;
                read_grouped_head) stmt="SELECT count(*) FROM pgmq.read_grouped_head(\$1, 30, NULL)" ;;
                pgmq_sql) stmt="SELECT count(*) FROM ref_read_grouped(\$1, 30, $QTY)" ;;
                read) stmt="SELECT count(*) FROM pgmq.read(\$1, 30, $QTY)" ;;
            esac
            psql_ -c "CALL bench_time('$q', $size, $GROUP_COUNT, $idx, '$what', \$s\$$stmt\$s\$, $ITERATIONS, $SLOW_BUDGET_S)"
            # rolled-back updates leave dead rows behind: clear them
            psql_ -c "VACUUM pgmq.q_$q"
        done
    done
    psql_ -c "UPDATE bench_result SET same_ids = ref_matches('$q', $QTY) WHERE msgs = $size AND what = 'pgmq_sql'"
    psql_ -c "SELECT pgmq.drop_queue('$q')" >/dev/null
done
say "measured in ${SECONDS} s"

mkdir -p "$REPO_ROOT/bench/results"
OUT=$REPO_ROOT/bench/results/fifo-groups-$(date +%Y%m%d-%H%M%S).txt
psql_ -P footer=off <<'EOF' | tee "$OUT"
\pset format aligned
\pset tuples_only off
\echo
\echo FIFO group reads: time per call in ms (server side, rolled back)
SELECT msgs AS "queue msgs", groups,
       CASE what WHEN 'pgmq_sql' THEN 'PGMQ-style SQL' WHEN 'read' THEN 'read (plain)' ELSE what END AS "read",
       CASE WHEN what = 'pgmq_sql' THEN '-' WHEN fifo_index THEN 'btree' ELSE 'none' END AS "fifo index",
       rows_out AS "rows", n,
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times_ms) t)::numeric, 2) AS "median ms",
       round((SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY t) FROM unnest(times_ms) t)::numeric, 2) AS "p95 ms",
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t)
                FROM bench_result r, unnest(r.times_ms) t
               WHERE r.msgs = b.msgs AND r.what = 'pgmq_sql')::numeric
             / nullif((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times_ms) t), 0)::numeric,
             1) AS "PGMQ-style/this",
       CASE WHEN what = 'pgmq_sql' THEN CASE WHEN same_ids THEN 'yes' ELSE 'NO' END ELSE '' END AS "same ids as read_grouped"
  FROM bench_result b
 ORDER BY msgs, CASE what WHEN 'read_grouped' THEN 1 WHEN 'pgmq_sql' THEN 2
                          WHEN 'read_grouped_rr' THEN 3 WHEN 'read_grouped_head' THEN 4 ELSE 5 END,
          fifo_index;
EOF
echo "results: $OUT"
