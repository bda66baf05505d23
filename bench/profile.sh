#!/usr/bin/env bash
#
# bench/profile.sh: where a backend spends its instructions on each hot
# path, ours next to the hand-written SQL floor (README "Where the time
# goes").  Needs valgrind; installs nothing, uses the pgmq already
# installed (run `make install` first).
#
# A throwaway server (scripts/common.sh) gets the extension, queue "bench"
# and the floor tables bench_floor.q_bench/a_bench (LIKE the queue's,
# INCLUDING ALL).  For every operation and side the tables are emptied and
# filled again on the running server, the server is stopped, and
# `postgres --single` runs PROFILE_CALLS prepared EXECUTEs of the operation
# under valgrind --tool=callgrind, collecting only inside what
# exec_simple_query calls for each statement: StartTransactionCommand,
# pg_parse_query and pg_analyze_and_rewrite_fixedparams (the EXECUTE
# text), PortalRun (executing it) and CommitTransactionCommand (the
# distribution's postgres binary is stripped: exec_simple_query itself is
# static and cannot be named; these exported functions never nest here,
# except for planning, which happens once, at the first EXECUTE).  The inclusive
# instruction counts of a few PostgreSQL and pgmq functions, divided by
# the number of messages, are printed as a table; the raw callgrind files
# are kept in PROFILE_OUT (default bench/results/profile-<timestamp>/) for
# callgrind_annotate or kcachegrind.
#
# Instruction counts are not time: they leave out waiting (WAL flush on
# disk, locks) and cache misses, and the EXECUTE statement is parsed as
# text here where a client's Bind message is not.  They are stable from
# run to run (within about 1%), which timings on a shared machine are not.
#
# Environment:
#   PROFILE_CALLS   statements per operation and side (default 1000; the
#                   batch operation runs a tenth of that, 100 messages each)
#   PROFILE_OPS     operations (default "send1 read1 pop1 batch100 archive1")
#   PROFILE_OUT     directory for the callgrind files
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

CALLS=${PROFILE_CALLS:-1000}
OPS=${PROFILE_OPS:-send1 read1 pop1 batch100 archive1}
OUT=${PROFILE_OUT:-$REPO_ROOT/bench/results/profile-$(date +%Y%m%d-%H%M%S)}
PAYLOAD='{"pad":"'$(printf 'x%.0s' $(seq 1 90))'"}'

command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"

WORK=""
# shellcheck disable=SC2317 # called at exit, through on_exit
cleanup() {
    pg_server_cleanup "$1" "$WORK"
}
on_exit cleanup

WORK=$(make_private_dir pgmq-profile)
mkdir -p "$OUT"
chmod 777 "$OUT"

# fsync off: the same code path (XLogFlush is still called), without
# waiting for the disk on every commit under valgrind.
pg_server_init "$WORK" \
    "shared_buffers = 256MB" \
    "shared_preload_libraries = 'pgmq'" \
    "fsync = off" \
    "autovacuum = off"
pg_server_start "$WORK" 60
pg_server_psql "$WORK" -q -c "CREATE DATABASE bench"

sql() {
    local port
    port=$(pg_server_port "$WORK")
    as_pg_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$port" -d bench "$@"
}

sql <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pgmq;
SELECT pgmq.create('bench');
CREATE SCHEMA bench_floor;
CREATE TABLE bench_floor.q_bench (LIKE pgmq.q_bench INCLUDING ALL);
CREATE TABLE bench_floor.a_bench (LIKE pgmq.a_bench INCLUDING ALL);
SQL

# Empty both sides and put n visible messages in each.
refill() {
    local n=$1
    sql -v n="$n" -v p="$PAYLOAD" <<'SQL'
TRUNCATE pgmq.q_bench, pgmq.a_bench, bench_floor.q_bench, bench_floor.a_bench RESTART IDENTITY;
INSERT INTO pgmq.q_bench (vt, message) SELECT now() - interval '1 second', :'p'::jsonb FROM generate_series(1, :n);
INSERT INTO bench_floor.q_bench (vt, message) SELECT now() - interval '1 second', :'p'::jsonb FROM generate_series(1, :n);
VACUUM ANALYZE pgmq.q_bench, pgmq.a_bench, bench_floor.q_bench, bench_floor.a_bench;
CHECKPOINT;
SQL
}

Q=bench_floor.q_bench
A=bench_floor.a_bench
COLS="msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"
CLAIM="SELECT msg_id FROM $Q WHERE vt <= now() ORDER BY msg_id LIMIT 1 FOR UPDATE SKIP LOCKED"

# The statements of one operation and side, one per line (single-user
# mode ends a statement at the end of a line): PREPAREs, then the calls.
script() {
    local op=$1 side=$2 n=$3 i batch
    case $side/$op in
        ours/send1)
            echo "PREPARE s(text, jsonb) AS SELECT * FROM pgmq.send(\$1, \$2)" ;;
        floor/send1)
            echo "PREPARE s(jsonb) AS INSERT INTO $Q (vt, message) VALUES (now(), \$1) RETURNING msg_id" ;;
        ours/batch100)
            echo "PREPARE s(text, jsonb[]) AS SELECT * FROM pgmq.send_batch(\$1, \$2)" ;;
        floor/batch100)
            echo "PREPARE s(jsonb[]) AS INSERT INTO $Q (vt, message) SELECT now(), m FROM unnest(\$1) AS m RETURNING msg_id" ;;
        ours/read1 | ours/archive1)
            echo "PREPARE r(text, integer, integer) AS SELECT * FROM pgmq.read(\$1, \$2, \$3)"
            if [[ $op == read1 ]]; then
                echo "PREPARE a(text, bigint) AS SELECT pgmq.delete(\$1, \$2)"
            else
                echo "PREPARE a(text, bigint) AS SELECT pgmq.archive(\$1, \$2)"
            fi ;;
        floor/read1 | floor/archive1)
            echo "PREPARE r(integer) AS UPDATE $Q SET vt = now() + \$1 * interval '1 second', read_ct = read_ct + 1, last_read_at = now() WHERE msg_id IN ($CLAIM) RETURNING $COLS"
            if [[ $op == read1 ]]; then
                echo "PREPARE a(bigint) AS DELETE FROM $Q WHERE msg_id = \$1 RETURNING msg_id"
            else
                echo "PREPARE a(bigint) AS WITH moved AS (DELETE FROM $Q WHERE msg_id = \$1 RETURNING $COLS) INSERT INTO $A ($COLS) SELECT $COLS FROM moved RETURNING msg_id"
            fi ;;
        ours/pop1)
            echo "PREPARE p(text, integer) AS SELECT * FROM pgmq.pop(\$1, \$2)" ;;
        floor/pop1)
            echo "PREPARE p AS DELETE FROM $Q WHERE msg_id IN ($CLAIM) RETURNING $COLS" ;;
    esac
    if [[ $op == batch100 ]]; then
        batch="'{$(for ((i = 0; i < 100; i++)); do printf '%s"{\\"pad\\":\\"%s\\"}"' "$([[ $i -gt 0 ]] && echo ,)" "$(printf 'x%.0s' $(seq 1 90))"; done)}'"
    fi
    for ((i = 1; i <= n; i++)); do
        case $side/$op in
            ours/send1) echo "EXECUTE s('bench', '$PAYLOAD')" ;;
            floor/send1) echo "EXECUTE s('$PAYLOAD')" ;;
            ours/batch100) echo "EXECUTE s('bench', $batch)" ;;
            floor/batch100) echo "EXECUTE s($batch)" ;;
            ours/read1 | ours/archive1) echo "EXECUTE r('bench', 30, 1)"; echo "EXECUTE a('bench', $i)" ;;
            floor/read1 | floor/archive1) echo "EXECUTE r(30)"; echo "EXECUTE a($i)" ;;
            ours/pop1) echo "EXECUTE p('bench', 1)" ;;
            floor/pop1) echo "EXECUTE p" ;;
        esac
    done
}

# Functions whose inclusive cost is reported, in this order.
FUNCS="TOTAL StartTransactionCommand pg_parse_query pg_analyze_and_rewrite_fixedparams PortalRun
CommitTransactionCommand GetCachedPlan planner standard_ExecutorRun
pgmq_send pgmq_send_batch pgmq_read pgmq_pop pgmq_delete pgmq_archive
pgmq_name_from_arg pgmq_queue_open pgmq_queue_plan SPI_connect SPI_finish SPI_execute_plan_extended
jsonb_in array_in ExecInitNode heap_insert heap_update heap_delete heap_hot_search_buffer ExecInsertIndexTuples
XLogInsert CommitTransactionCommand StartTransactionCommand"

for op in $OPS; do
    n=$CALLS
    msgs=$CALLS
    if [[ $op == batch100 ]]; then
        n=$((CALLS / 10))
        msgs=$((n * 100))
    fi
    for side in ours floor; do
        script "$op" "$side" "$n" >"$WORK/$op-$side.sql"
        case $op in read1 | pop1 | archive1) refill "$n" ;; *) refill 0 ;; esac
        pg_server_stop "$WORK"
        say "callgrind: $op $side ($n statements)"
        as_pg_user valgrind --tool=callgrind \
            --toggle-collect=StartTransactionCommand --toggle-collect=pg_parse_query \
            --toggle-collect=pg_analyze_and_rewrite_fixedparams --toggle-collect=PortalRun \
            --toggle-collect=CommitTransactionCommand \
            --callgrind-out-file="$OUT/callgrind.$op-$side" \
            "$PG_BIN/postgres" --single -D "$WORK/data" bench \
            <"$WORK/$op-$side.sql" >/dev/null 2>"$WORK/$op-$side.log" ||
            { tail_file "$WORK/$op-$side.log" 30; die "postgres --single failed"; }
        callgrind_annotate --inclusive=yes --threshold=100 "$OUT/callgrind.$op-$side" \
            >"$OUT/annotate.$op-$side.txt" 2>/dev/null
        echo "$op $side $msgs" >>"$OUT/runs"
        pg_server_start "$WORK" 60
    done
done

# The table: instructions per message, by function (inclusive).
python3 - "$OUT" $FUNCS <<'PY'
import re, sys, os
out, funcs = sys.argv[1], sys.argv[2:]
line_re = re.compile(r'^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(?:.*:)?([A-Za-z_][A-Za-z0-9_]*)(?:\'\d+)?\s+\[')
runs = [l.split() for l in open(os.path.join(out, "runs"))]
cost = {}
for op, side, msgs in runs:
    c = {}
    for l in open(os.path.join(out, f"annotate.{op}-{side}.txt")):
        t = re.match(r'^\s*([\d,]+)(?:\s+\([\d.]+%\))?\s+PROGRAM TOTALS', l)
        if t:
            c["TOTAL"] = int(t.group(1).replace(',', ''))
        m = line_re.match(l)
        if m:
            name = m.group(2)
            c[name] = max(c.get(name, 0), int(m.group(1).replace(',', '')))
    cost[(op, side)] = (c, int(msgs))
ops = []
for op, _, _ in runs:
    if op not in ops:
        ops.append(op)
print("\nInstructions per message (inclusive, thousands; - = not called)\n")
head = "%-26s" % "function" + "".join(" | %8s %8s" % (op + " o", "f") for op in ops)
print(head)
print("-" * len(head))
for fn in funcs:
    row = "%-26s" % fn
    for op in ops:
        for side in ("ours", "floor"):
            c, msgs = cost.get((op, side), ({}, 1))
            v = c.get(fn)
            cell = "-" if v is None else "%.1f" % (v / msgs / 1000.0)
            row += (" | %8s" if side == "ours" else " %8s") % cell
    print(row)
PY
say "callgrind files and annotations in $OUT"
