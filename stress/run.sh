#!/usr/bin/env bash
#
# stress/run.sh: the `make stress` harness, a chaos test for pgmq.
#
# Installs missing packages, builds and installs pgmq (skipped with
# STRESS_SKIP_INSTALL=1), compiles the driver stress/pgmq_stress.c into a
# private temp directory, starts a throwaway PostgreSQL 15 server there
# (Unix socket only, pgmq preloaded), and runs the driver: producers and
# consumers over libpq while backends are terminated at random and the
# server is crashed (pg_ctl stop -m immediate, and SIGKILL of a backend)
# and restarted; then it checks that no committed message was lost, none
# processed twice where consumers delete in the same transaction as their
# work, and shows an unlogged queue emptied by a crash (see the comment at
# the top of pgmq_stress.c).  Afterwards the server log is searched for
# crashes we did not cause (signals, TRAP, PANIC, exit codes) and for
# more crash restarts than the driver caused.  The server is stopped and
# the directory removed whatever happens.
#
# Output: progress lines, the figures (sent, processed, duplicated, lost
# per mode), and the verdict as TAP lines: a plan "1..N" printed before the
# driver starts, one "ok N - ..." / "not ok N - ..." line per invariant the
# driver checks, then one for the server log.  scripts/run-tests.sh (suite
# "stress") counts them.
#
# Exit status: non-zero if the driver reports a failure (a committed
# message lost, a duplicate in exactly-once mode, anything unexpected) or
# the server log shows a crash of its own.
#
# Environment:
#   STRESS_SECONDS       chaos period in seconds (default 60; 12 when short)
#   STRESS_SHORT=1       the short form, which `make test` runs: about 25 s
#   STRESS_PRODUCERS     producers per queue (default 2)
#   STRESS_CONSUMERS     consumers per queue (default 3)
#   STRESS_RATE          messages/s per producer (default 100)
#   STRESS_CRASHES       server crashes during the chaos period (default 3;
#                        2 when short); they alternate pg_ctl stop -m
#                        immediate and SIGKILL of a backend
#   STRESS_ARGS          more driver options, word-split (pgmq_stress --help)
#   STRESS_SKIP_INSTALL  1: use the pgmq already installed, do not build it
#   STRESS_KEEP=1        keep the temp directory (server log, driver output)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

if [[ ${STRESS_SHORT:-0} == 1 ]]; then
    SECONDS_DEFAULT=12
    CRASHES_DEFAULT=2
    UNLOGGED_DEFAULT=500
else
    SECONDS_DEFAULT=60
    CRASHES_DEFAULT=3
    UNLOGGED_DEFAULT=1000
fi
RUN_SECONDS=${STRESS_SECONDS:-$SECONDS_DEFAULT}
CRASHES=${STRESS_CRASHES:-$CRASHES_DEFAULT}
PRODUCERS=${STRESS_PRODUCERS:-2}
CONSUMERS=${STRESS_CONSUMERS:-3}
RATE=${STRESS_RATE:-100}
# shellcheck disable=SC2206 # word splitting of STRESS_ARGS is intended
EXTRA_ARGS=(${STRESS_ARGS:-})

WORK_DIR=""
cleanup() {
    pg_server_cleanup "$1" "$WORK_DIR" "${STRESS_KEEP:-0}"
}
on_exit cleanup

ensure_deps
build_and_install_unless STRESS_SKIP_INSTALL

WORK_DIR=$(make_private_dir pgmq-stress)
SERVER_LOG=$WORK_DIR/server.log
DRIVER=$WORK_DIR/pgmq_stress
CHAOS_LOG=$WORK_DIR/chaos.log

say "compiling stress/pgmq_stress.c"
gcc -O2 -Wall -Wextra -Wdeclaration-after-statement -pthread \
    -I"$("$PG_CONFIG" --includedir)" -o "$DRIVER" "$REPO_ROOT/stress/pgmq_stress.c" \
    -L"$("$PG_CONFIG" --libdir)" -lpq

say "initdb $WORK_DIR/data"
pg_server_init "$WORK_DIR" \
    "shared_preload_libraries = 'pgmq'" \
    "max_connections = $((4 * (PRODUCERS + CONSUMERS) + 20))" \
    "shared_buffers = 64MB" \
    "restart_after_crash = on" \
    "log_min_messages = warning"
PORT=$(pg_server_port "$WORK_DIR")

# The driver runs this to crash the server and bring it back.  pg_ctl
# stop -m immediate is a crash as far as the data directory is concerned:
# no shutdown checkpoint, the next start runs crash recovery (and resets
# unlogged tables).
as_pg_user touch "$SERVER_LOG"
CRASH_CMD=$WORK_DIR/crash-server.sh
{
    echo '#!/usr/bin/env bash'
    echo 'set -e'
    printf 'source %q\n' "$REPO_ROOT/scripts/common.sh"
    printf 'PG_BIN=%q\n' "$PG_BIN"
    printf 'pg_server_stop %q immediate\n' "$WORK_DIR"
    printf 'pg_server_start %q 120\n' "$WORK_DIR"
} >"$CRASH_CMD"
chmod 755 "$CRASH_CMD"

say "starting the server (socket $WORK_DIR, port $PORT)"
pg_server_start "$WORK_DIR" 60
pg_server_psql "$WORK_DIR" -q -c "CREATE DATABASE stress"
DSN=$(pg_server_dsn "$WORK_DIR" stress)
as_pg_user touch "$CHAOS_LOG"

# The verdict comes as TAP lines: the driver's checks (numbered from 1),
# then ours on the server log.  The plan goes first, so that checks a
# dying driver never printed count as failures (scripts/run-tests.sh).
DRIVER_CHECKS=$("$DRIVER" --list-checks)
LOG_CHECK=$((DRIVER_CHECKS + 1))
echo "1..$LOG_CHECK"

say "running the chaos test (${RUN_SECONDS} s, ${CRASHES} crashes)"
set +e
"$DRIVER" --dsn "$DSN" \
    --seconds "$RUN_SECONDS" --crashes "$CRASHES" \
    --producers "$PRODUCERS" --consumers "$CONSUMERS" --rate "$RATE" \
    --unlogged "$UNLOGGED_DEFAULT" \
    --crash-cmd "$CRASH_CMD" --chaos-log "$CHAOS_LOG" "${EXTRA_ARGS[@]}"
driver_rc=$?
set -e

# ---------------------------------------------------------------------------
# The server log: every crash restart must be one we caused.
# ---------------------------------------------------------------------------
echo
say "checking the server log for crashes we did not cause"
log_problems=()
immediate_caused=$(grep -c '^immediate$' "$CHAOS_LOG" || true)
sigkill_pids=$(sed -n 's/^sigkill //p' "$CHAOS_LOG")
sigkill_caused=$(grep -c '^sigkill ' "$CHAOS_LOG" || true)
immediate_seen=$(grep -c 'received immediate shutdown request' "$SERVER_LOG" || true)
reinit_seen=$(grep -c 'all server processes terminated; reinitializing' "$SERVER_LOG" || true)
recovery_seen=$(grep -c 'database system was not properly shut down; automatic recovery in progress' "$SERVER_LOG" || true)

if ((immediate_seen != immediate_caused)); then
    log_problems+=("$immediate_seen immediate shutdowns in the log, $immediate_caused caused by the test")
fi
if ((reinit_seen != sigkill_caused)); then
    log_problems+=("$reinit_seen crash restarts (reinitializing) in the log, $sigkill_caused caused by the test")
fi
if ((recovery_seen != immediate_caused + sigkill_caused)); then
    log_problems+=("$recovery_seen crash recoveries in the log, $((immediate_caused + sigkill_caused)) crashes caused by the test")
fi

# A process that died of a signal: only the backends we SIGKILLed may.
while IFS= read -r line; do
    pid=$(sed -n 's/.*(PID \([0-9]*\)) was terminated by signal 9.*/\1/p' <<<"$line")
    if [[ -n $pid ]] && grep -qx "$pid" <<<"$sigkill_pids"; then
        continue
    fi
    log_problems+=("$line")
done < <(grep -E 'terminated by signal|terminated by exception' "$SERVER_LOG" || true)

# Assertion failures, PANICs, processes that exited with an error code, and
# signs of damaged data.  The logical replication launcher exits with code
# 1 when told to stop, and backends told to quit by a crash restart are
# "possibly corrupted shared memory": both normal.
while IFS= read -r line; do
    log_problems+=("$line")
done < <(grep -E 'TRAP:|PANIC:|exited with exit code|corrupt|invalid page|could not read block|unexpected data beyond EOF' "$SERVER_LOG" |
    grep -vE 'logical replication launcher.*exited with exit code 1|possibly corrupted shared memory' || true)

echo "server log: $immediate_seen immediate shutdowns and $reinit_seen crash restarts" \
    "(caused: $immediate_caused and $sigkill_caused), $recovery_seen crash recoveries"
if ((${#log_problems[@]} > 0)); then
    echo "not ok $LOG_CHECK - server log: no crash, assertion failure or PANIC the test did not cause"
    printf '#   %s\n' "${log_problems[@]}"
else
    echo "ok $LOG_CHECK - server log: no crash, assertion failure or PANIC the test did not cause" \
        "($immediate_seen immediate shutdowns, $reinit_seen crash restarts, $recovery_seen recoveries, all caused)"
fi

echo
if [[ $driver_rc -ne 0 || ${#log_problems[@]} -gt 0 ]]; then
    echo "stress: FAIL (driver exit status $driver_rc, ${#log_problems[@]} server log problems)"
    exit 1
fi
echo "stress: PASS"
