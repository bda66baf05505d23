#!/usr/bin/env bash
#
# bench/run.sh: the `make bench` harness.  Installs missing packages, builds
# and installs pgmq (skipped with BENCH_SKIP_INSTALL=1), compiles the load
# driver bench/pgmq_bench.c into a private temp directory, starts a
# throwaway PostgreSQL 15 server there (Unix socket only, fixed settings
# below, the same for the extension and the hand-written SQL floor), runs
# the driver, then stops the server and removes the directory whatever
# happens.
#
# Results go to bench/results/<timestamp>.{csv,json,txt} (the .txt is the
# driver's full output), plus <timestamp>-timeline.csv when a mixed or
# held_xmin workload ran (one row per second); the paths are printed at the
# end.
#
# Environment:
#   BENCH_DURATION       measured seconds per run and round (default 5; the
#                        driver runs 2 rounds per workload, see --rounds)
#   BENCH_ARGS           more driver options, word-split, e.g.
#                        BENCH_ARGS="--workloads send1,read4 --commit async"
#                        (see the driver's --help, printed by BENCH_ARGS=--help)
#   BENCH_RESULTS_DIR    where the result files go (default bench/results)
#   BENCH_SKIP_INSTALL   1: use the pgmq already installed, do not build it
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH_DIR=$REPO_ROOT/bench
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
DURATION=${BENCH_DURATION:-5}
# shellcheck disable=SC2206 # word splitting of BENCH_ARGS is intended
EXTRA_ARGS=(${BENCH_ARGS:-})

WORK_DIR=""
# shellcheck disable=SC2317 # called at exit, through on_exit
cleanup() {
    pg_server_cleanup "$1" "$WORK_DIR"
}
on_exit cleanup

# --help/--list need no server
for arg in "${EXTRA_ARGS[@]}"; do
    if [[ $arg == --help || $arg == --list ]]; then
        WORK_DIR=$(mktemp -d "${PGMQ_TMPDIR:-/tmp}/pgmq-bench.XXXXXXXX")
        gcc -O2 -Wall -Wextra -pthread -I"$("$PG_CONFIG" --includedir)" \
            "$BENCH_DIR/pgmq_bench.c" -o "$WORK_DIR/pgmq_bench" -lpq -lm
        "$WORK_DIR/pgmq_bench" "$arg"
        exit 0
    fi
done

ensure_deps
build_and_install_unless BENCH_SKIP_INSTALL

WORK_DIR=$(make_private_dir pgmq-bench)
DRIVER=$WORK_DIR/pgmq_bench

say "compiling the driver"
gcc -O2 -Wall -Wextra -pthread -I"$("$PG_CONFIG" --includedir)" \
    "$BENCH_DIR/pgmq_bench.c" -o "$DRIVER" -lpq -lm

say "initdb $WORK_DIR/data"
# Every workload, ours and floor alike, runs against these settings.
pg_server_init "$WORK_DIR" \
    "shared_buffers = 256MB" \
    "max_connections = 100" \
    "shared_preload_libraries = 'pgmq'" \
    "max_wal_size = 2GB" \
    "synchronous_commit = on"
PORT=$(pg_server_port "$WORK_DIR")

say "starting the server (socket $WORK_DIR, port $PORT)"
pg_server_start "$WORK_DIR" 60
pg_server_psql "$WORK_DIR" -q -c "CREATE DATABASE bench"
DSN=$(pg_server_dsn "$WORK_DIR" bench)

mkdir -p "$RESULTS_DIR"
stamp=$(date +%Y%m%d-%H%M%S)
CSV=$RESULTS_DIR/$stamp.csv
JSON=$RESULTS_DIR/$stamp.json
TXT=$RESULTS_DIR/$stamp.txt
TIMELINE=$RESULTS_DIR/$stamp-timeline.csv

{
    echo "# pgmq bench $stamp"
    echo "# commit: $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "# host: $(uname -srm), $(nproc) CPU(s), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# server: $("$PG_BIN/postgres" --version), shared_buffers=256MB max_connections=100 shared_preload_libraries=pgmq max_wal_size=2GB"
} | tee "$TXT"

say "running the driver (results in $RESULTS_DIR)"
# tee -i: on ^C the driver stops the current run and still prints its
# summary, so keep tee alive to record it.
set +e
"$DRIVER" --dsn "$DSN" \
    --duration "$DURATION" --csv "$CSV" --json "$JSON" --timeline-csv "$TIMELINE" \
    "${EXTRA_ARGS[@]}" 2>&1 | tee -i -a "$TXT"
rc=${PIPESTATUS[0]}
set -e

echo
say "results:"
for f in "$TXT" "$CSV" "$JSON" "$TIMELINE"; do
    [[ -f $f ]] && printf '    %s\n' "$f"
done
if [[ $rc -ne 0 ]]; then
    warn "the driver exited with status $rc"
fi
exit "$rc"
