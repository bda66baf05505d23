#!/usr/bin/env bash
#
# scripts/run-tests.sh: the test driver behind `make test` (and so .ci/run).
#
# Installs missing packages (scripts/ensure-deps.sh), builds and installs the
# extension as root, copies the tree into a private directory owned by the
# postgres user and runs, as that user, each suite as its own
# `make installcheck` against throwaway servers:
#
#   regress               test/sql/*.sql     (pg_regress, temp instance)
#   isolation             test/specs/*.spec  (pg_isolation_regress, temp instance)
#   isolation (preloaded) the same specs again with --temp-config=test/preload.conf,
#                         only when that file exists
#   tap                   test/t/*.pl        (prove -v; nodes made by Cluster.pm)
#   stress                the short chaos test (stress/run.sh with STRESS_SHORT=1,
#                         its own throwaway server): each invariant it checks
#                         (exactly-once: none lost or duplicated; at-least-once:
#                         none lost; a logged queue keeps its messages across a
#                         crash, an unlogged one is emptied; no crash of the
#                         server's own in its log) is one TAP line and one test
#
# Every suite runs even when an earlier one failed; a suite without test
# files is skipped.  Failures print the diffs and server log tails.  The last
# line printed is always "N passed, N failed"; the exit status is 0 only when
# nothing failed and something passed.
#
# Environment:
#   SUITES   space-separated subset of: regress isolation isolation-preloaded tap
#            stress (default "regress isolation tap stress"; "isolation"
#            includes the preloaded pass when test/preload.conf exists)
#   CI       when "true", the work directory is removed even after a failure
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUITES=${SUITES:-regress isolation tap stress}

TOTAL_PASSED=0
TOTAL_FAILED=0
SUITE_RESULTS=()
WORK=""
FINISHED=0

# ---------------------------------------------------------------------------
# Final report, from an EXIT trap so that it is printed (and printed last)
# whichever way the script ends.
# ---------------------------------------------------------------------------
finish() {
    local rc=$? line
    trap - EXIT
    set +e

    if [[ $FINISHED -ne 1 ]]; then
        echo "run-tests: aborted before all suites ran (exit status $rc)"
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        SUITE_RESULTS+=("aborted: counted as 1 failure")
    fi

    if [[ -n $WORK && -d $WORK ]]; then
        stop_servers_below "$WORK"
        if [[ $TOTAL_FAILED -eq 0 || ${CI:-} == true ]]; then
            rm -rf -- "$WORK"
        else
            echo "run-tests: work directory kept for inspection: $WORK"
        fi
    fi

    echo
    echo "==================== test summary ===================="
    for line in "${SUITE_RESULTS[@]}"; do
        echo "  $line"
    done
    echo "======================================================"
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"

    if [[ $TOTAL_FAILED -eq 0 && $TOTAL_PASSED -gt 0 ]]; then
        exit 0
    fi
    exit 1
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Counting results
# ---------------------------------------------------------------------------

# pg_regress / pg_isolation_regress (PG15) print one line per test:
#   "test name  ... ok   12 ms", "... FAILED   12 ms", "... failed (ignored)"
# (tests of a parallel group are indented and lack the "test" word).
count_pg_regress() {
    local log=$1 result_re
    result_re='^[[:space:]]*(test[[:space:]]+)?[^[:space:]]+[[:space:]]+\.\.\.[[:space:]]+'
    SUITE_PASSED=$(grep -Ec "${result_re}ok([[:space:]]|$)" "$log" || true)
    SUITE_FAILED=$(grep -Ec "${result_re}(FAILED|failed \\(ignored\\))" "$log" || true)
}

# prove -v prints the TAP stream: "ok N ..." / "not ok N ...".  A "not ok"
# marked "# TODO" is an expected failure and does not count against us.
count_tap() {
    local log=$1 todo
    SUITE_PASSED=$(grep -Ec '^[[:space:]]*ok [0-9]+' "$log" || true)
    SUITE_FAILED=$(grep -Ec '^[[:space:]]*not ok [0-9]+' "$log" || true)
    todo=$(grep -Ec '^[[:space:]]*not ok [0-9]+.*# *TODO' "$log" || true)
    SUITE_FAILED=$((SUITE_FAILED - todo))
    SUITE_PASSED=$((SUITE_PASSED + todo))
}

# A single TAP stream with its plan ("1..N", printed before the tests):
# count as count_tap, then every planned test that never reported (the
# harness died) is a failure, and so is a stream without a plan or with
# more results than planned.
count_tap_planned() {
    local log=$1 planned seen
    count_tap "$log"
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
    seen=$((SUITE_PASSED + SUITE_FAILED))
    if [[ -z $planned ]]; then
        echo "run-tests: no TAP plan in the output; counting 1 failure"
        SUITE_FAILED=$((SUITE_FAILED + 1))
    elif ((seen < planned)); then
        echo "run-tests: $((planned - seen)) of $planned planned tests never reported; counting them as failures"
        SUITE_FAILED=$((SUITE_FAILED + planned - seen))
    elif ((seen > planned)); then
        echo "run-tests: $seen results for $planned planned tests; counting 1 failure"
        SUITE_FAILED=$((SUITE_FAILED + 1))
    fi
}

# ---------------------------------------------------------------------------
# Diagnostics printed when a suite fails
# ---------------------------------------------------------------------------

# Print FILE in full (up to 2000 lines) under a heading.
show_file() {
    local file=$1 max=2000
    [[ -s $file ]] || return 0
    printf -- '----- %s -----\n' "$file"
    head -n "$max" "$file"
    if [[ $(wc -l <"$file") -gt $max ]]; then
        echo "[... truncated after $max lines ...]"
    fi
    printf -- '----- end of %s -----\n' "$file"
}

diagnose() {
    local kind=$1 outdir f
    case $kind in
        regress | isolation)
            if [[ $kind == regress ]]; then outdir=$WORK; else outdir=$WORK/output_iso; fi
            show_file "$outdir/regression.diffs"
            if [[ -f $outdir/log/postmaster.log ]]; then
                tail_file "$outdir/log/postmaster.log" 80
            else
                tail_file "$outdir/log/initdb.log" 40
            fi
            ;;
        tap)
            for f in "$WORK"/tmp_check/log/*; do
                if [[ -f $f ]]; then
                    tail_file "$f" 80
                fi
            done
            ;;
    esac
}

# ---------------------------------------------------------------------------
# Running one suite
# ---------------------------------------------------------------------------

# run_suite LABEL KIND [make variable assignments...]
# KIND is regress, isolation or tap (decides how results are counted and
# which files explain a failure).
run_suite() {
    local label=$1 kind=$2
    shift 2
    local log rc=0
    log=$LOG_DIR/$(tr -c 'a-zA-Z0-9\n' '_' <<<"$label").log

    echo
    echo "==================== $label ===================="
    # NO_LOCALE=1: C collation whatever the machine's locale; ENCODING=UTF8:
    # without it a C-locale test database is SQL_ASCII, where jsonb rejects
    # non-ASCII \u escapes.
    as_pg_user make -C "$WORK" --no-print-directory installcheck \
        NO_LOCALE=1 ENCODING=UTF8 PG_CONFIG="$PG_CONFIG" "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}

    account_suite "$label" "$kind" "$log" "$rc"
}

# account_suite LABEL KIND LOG RC: count the results in LOG, print the
# diagnostics of a failed suite, add the counts to the totals.
account_suite() {
    local label=$1 kind=$2 log=$3 rc=$4
    case $kind in
        tap) count_tap "$log" ;;
        stress) count_tap_planned "$log" ;;
        *) count_pg_regress "$log" ;;
    esac
    # The driver failed without reporting a failed test (server did not
    # start, a TAP script died, ...): that is one failure.
    if [[ $rc -ne 0 && $SUITE_FAILED -eq 0 ]]; then
        echo "run-tests: $label exited with status $rc without reporting a failed test; counting 1 failure"
        SUITE_FAILED=1
    fi

    if [[ $SUITE_FAILED -gt 0 ]]; then
        echo
        echo "==================== $label: diagnostics ===================="
        diagnose "$kind"
    fi

    echo "==> $label: $SUITE_PASSED passed, $SUITE_FAILED failed"
    TOTAL_PASSED=$((TOTAL_PASSED + SUITE_PASSED))
    TOTAL_FAILED=$((TOTAL_FAILED + SUITE_FAILED))
    SUITE_RESULTS+=("$label: $SUITE_PASSED passed, $SUITE_FAILED failed")
}

skip_suite() {
    echo
    echo "==> $1: skipped ($2)"
    SUITE_RESULTS+=("$1: skipped ($2)")
}

has_files() {
    compgen -G "$1" >/dev/null
}

temp_instance_opts() {
    printf -- '--temp-instance=%s --port=%s' "$WORK/tmp_instance" "$(free_port)"
}

run_regress() {
    if ! has_files "$WORK/test/sql/*.sql"; then
        skip_suite regress "no test/sql/*.sql"
        return 0
    fi
    run_suite regress regress ISOLATION= TAP_TESTS= \
        EXTRA_REGRESS_OPTS="$(temp_instance_opts)"
}

# run_isolation LABEL [extra pg_isolation_regress options]
run_isolation() {
    local label=$1 extra=${2:-}
    if ! has_files "$WORK/test/specs/*.spec"; then
        skip_suite "$label" "no test/specs/*.spec"
        return 0
    fi
    run_suite "$label" isolation REGRESS= TAP_TESTS= \
        EXTRA_REGRESS_OPTS="$(temp_instance_opts)${extra:+ $extra}"
}

run_isolation_preloaded() {
    if [[ ! -f $WORK/test/preload.conf ]]; then
        skip_suite "isolation (preloaded)" "no test/preload.conf"
        return 0
    fi
    run_isolation "isolation (preloaded)" "--temp-config=$WORK/test/preload.conf"
}

run_tap() {
    if ! has_files "$WORK/test/t/*.pl"; then
        skip_suite tap "no test/t/*.pl"
        return 0
    fi
    run_suite tap tap REGRESS= ISOLATION= PROVE_FLAGS=-v
}

# The short chaos test, against its own throwaway server (stress/run.sh
# starts, crashes and removes it; it needs root or the postgres user like
# everything here).  The extension was installed above, so the harness
# does not install it again.
run_stress() {
    local log rc=0 start=$SECONDS
    if [[ ! -f $WORK/stress/run.sh ]]; then
        skip_suite stress "no stress/run.sh"
        return 0
    fi
    log=$LOG_DIR/stress.log
    echo
    echo "==================== stress ===================="
    STRESS_SHORT=1 STRESS_SKIP_INSTALL=1 bash "$WORK/stress/run.sh" 2>&1 | tee "$log" ||
        rc=${PIPESTATUS[0]}
    echo "run-tests: the stress suite took $((SECONDS - start)) s"
    account_suite stress stress "$log" "$rc"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

for suite in $SUITES; do
    case $suite in
        regress | isolation | isolation-preloaded | tap | stress) ;;
        *) die "unknown suite '$suite' in SUITES (known: regress isolation isolation-preloaded tap stress)" ;;
    esac
done

ensure_deps
build_and_install

WORK=$(make_private_dir pgmq-tests)
say "test work directory: $WORK"
cp -a "$REPO_ROOT/." "$WORK/"
# Leftovers of earlier runs made in the checkout itself must not be mistaken
# for this run's results.
rm -rf -- "$WORK/results" "$WORK/output_iso" "$WORK/tmp_check" "$WORK/tmp_instance" \
    "$WORK/log" "$WORK/regression.diffs" "$WORK/regression.out"
LOG_DIR=$WORK/.run-tests-logs
mkdir -p "$LOG_DIR"
if is_root; then
    chown -R "$PG_USER:" "$WORK"
fi

for suite in $SUITES; do
    case $suite in
        regress) run_regress ;;
        isolation)
            run_isolation isolation
            if [[ -f $WORK/test/preload.conf && " $SUITES " != *" isolation-preloaded "* ]]; then
                run_isolation_preloaded
            fi
            ;;
        isolation-preloaded) run_isolation_preloaded ;;
        tap) run_tap ;;
        stress) run_stress ;;
    esac
done

FINISHED=1
