#!/usr/bin/env bash
#
# scripts/demo.sh: the `make demo` walk-through.  Installs missing packages,
# builds and installs pgmq, starts a throwaway PostgreSQL 15 server (private
# temp directory, Unix socket only, no TCP), runs the queue API step by step
# printing each statement and its result, then stops the server and removes
# the directory, whatever happens.  Exits non-zero if any step fails.
#
# The server runs with shared_preload_libraries = 'pgmq', the setting that
# turns on instant wake-up of readers waiting in read_with_poll.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DIR=""

cleanup() {
    pg_server_cleanup "$1" "$DEMO_DIR"
    echo
    if [[ $1 -eq 0 ]]; then
        echo "demo finished; instance stopped and removed"
    else
        echo "demo FAILED (exit status $1); instance stopped and removed"
    fi
}
on_exit cleanup

echo "################################################################"
echo "#  pgmq demo: a message queue inside PostgreSQL $PG_MAJOR"
echo "#  (throwaway server, removed at the end)"
echo "################################################################"

ensure_deps
build_and_install

DEMO_DIR=$(make_private_dir pgmq-demo)

say "initdb $DEMO_DIR/data"
pg_server_init "$DEMO_DIR"
PORT=$(pg_server_port "$DEMO_DIR")
say "enabling instant wake-up of waiting readers: shared_preload_libraries = 'pgmq'"
pg_server_conf "$DEMO_DIR" "shared_preload_libraries = 'pgmq'"

say "starting the server (socket $DEMO_DIR, port $PORT)"
pg_server_start "$DEMO_DIR" 60

echo
demo_psql() {
    pg_server_psql "$DEMO_DIR" "$@"
}

demo_psql --echo-queries <<'SQL'
\echo '=== 1. Install the extension'
CREATE EXTENSION pgmq;

\echo
\echo '=== 2. Create a queue called demo (tables pgmq.q_demo and pgmq.a_demo)'
SELECT pgmq.create('demo');

\echo
\echo '=== 3. Send one message; the new message id comes back'
SELECT * FROM pgmq.send(queue_name => 'demo', msg => '{"hello":"world"}');

\echo
\echo '=== 4. Send three messages in one call'
SELECT * FROM pgmq.send_batch('demo', ARRAY['{"n":1}','{"n":2}','{"n":3}']::jsonb[]);

\echo
\echo '=== 5. Read two messages, hiding them from other readers for 30 seconds'
SELECT msg_id, read_ct, message FROM pgmq.read('demo', 30, 2);

\echo
\echo '=== 6. Read again: messages 1 and 2 are invisible now, only 3 and 4 come back'
SELECT msg_id, read_ct, message FROM pgmq.read('demo', 30, 10);

\echo
\echo '=== 7. Make message 1 visible again at once (visibility timeout 0)'
SELECT msg_id, vt <= clock_timestamp() AS visible FROM pgmq.set_vt('demo', 1, 0);
\echo
\echo '       so the next read gets message 1 again, its read count now 2'
SELECT msg_id, read_ct, message FROM pgmq.read('demo', 30, 10);

\echo
\echo '=== 8. Archive message 1: it moves to the archive table pgmq.a_demo'
SELECT pgmq.archive('demo', 1);
SELECT msg_id, message FROM pgmq.a_demo;

\echo
\echo '=== 9. Delete message 2 (acknowledge it)'
SELECT pgmq.delete('demo', 2);

\echo
\echo '=== 10. Queue metrics'
\x on
SELECT * FROM pgmq.metrics('demo');
\x off

SQL

echo
echo "=== 11. Wait for a message: read_with_poll blocks until one arrives"
echo "       (another session sends one a second later)"
demo_psql -At -c "SELECT 'wake-up mode: ' || pgmq.wakeup_mode() ||
    CASE pgmq.wakeup_mode() WHEN 'shmem' THEN ' (pgmq in shared_preload_libraries: woken at the sender''s commit)'
    ELSE ' (not preloaded: polling every poll_interval_ms)' END"
demo_psql -q -c "SELECT pg_sleep(1)" -c "SELECT * FROM pgmq.send('demo', '{\"late\": true}')" >/dev/null &
SENDER=$!
demo_psql --echo-queries <<'SQL'
SELECT msg_id, message,
       round(extract(epoch FROM clock_timestamp() - enqueued_at) * 1000) AS ms_after_send
FROM pgmq.read_with_poll('demo', 30, 1, max_poll_seconds => 10);
SQL
wait "$SENDER"

demo_psql --echo-queries <<'SQL'
\echo
\echo '=== 12. Or wait without holding a snapshot (VACUUM is not held back), then read'
\echo '       nothing visible: gives up after max_wait_seconds => 1 with ready = f'
CALL pgmq.wait_for_messages('demo', max_wait_seconds => 1);
SELECT * FROM pgmq.send('demo', '{"n":6}');
CALL pgmq.wait_for_messages('demo', max_wait_seconds => 5);
SELECT msg_id, message FROM pgmq.read('demo', 30, 1);

\echo
\echo '=== 13. A partitioned queue (pg_partman): 1000 ids per partition, keep the last 5000'
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq.create_partitioned('events', '1000', '5000');
SELECT count(*) AS sent FROM pgmq.send_batch('events', ARRAY(SELECT jsonb_build_object('n', g) FROM generate_series(1, 2500) g));
SELECT msg_id, message FROM pgmq.read('events', 30, 2);
SELECT tableoid::regclass AS partition, count(*) AS messages, min(msg_id), max(msg_id)
  FROM pgmq.q_events GROUP BY 1 ORDER BY 3;

\echo
\echo '=== 14. All queues'
SELECT * FROM pgmq.list_queues();

\echo
\echo '=== 15. Drop the queues (the partitioned one with its pg_partman configuration)'
SELECT pgmq.drop_queue('demo');
SELECT pgmq.drop_queue('events');
SELECT count(*) AS partman_configs_left FROM partman.part_config;
SQL
