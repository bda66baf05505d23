# shellcheck shell=bash
#
# scripts/common.sh: settings and helpers shared by the scripts in this
# directory (ensure-deps.sh, run-tests.sh, demo.sh) and by the benchmark and
# stress harnesses (bench/*.sh, stress/run.sh).  Source it; do not run it.
#
# Provides:
#   REPO_ROOT, SCRIPTS_DIR     absolute paths of the checkout and of scripts/
#   PG_MAJOR, PG_BIN, PG_CONFIG  the PostgreSQL 15 installation we build against
#   PG_USER                    the OS user that runs test servers (initdb refuses root)
#   say / warn / die           messages
#   is_root                    true when running as uid 0
#   ensure_deps                run scripts/ensure-deps.sh
#   build_and_install          make + make install of the extension
#   build_and_install_unless VAR   the same, unless $VAR is 1 (e.g. BENCH_SKIP_INSTALL)
#   as_pg_user CMD...          run CMD as $PG_USER (directly when not root)
#   make_private_dir PREFIX    mktemp -d that $PG_USER owns
#   free_port                  print a TCP port nobody listens on
#   tail_file FILE [N]         print the last N lines of FILE under a heading
#   stop_servers_below DIR     stop (immediate) every server whose data is below DIR
#   on_exit FUNC               run FUNC RC at exit, ^C and SIGTERM, then exit RC
# Throwaway servers (see the section "Throwaway PostgreSQL servers" below):
#   pg_server_init DIR [CONF_LINE...]   initdb DIR/data, private socket in DIR
#   pg_server_conf DIR CONF_LINE...     append lines to its postgresql.conf
#   pg_server_start DIR [TIMEOUT]       pg_ctl start, log in DIR/server.log
#   pg_server_stop DIR [MODE]           pg_ctl stop (fast by default)
#   pg_server_port DIR                  print its port
#   pg_server_psql DIR [PSQL_ARG...]    psql to its postgres database
#   pg_server_dsn DIR [DBNAME]          print a libpq connection string for it
#   pg_server_cleanup RC DIR [KEEP]     EXIT-trap work: log tail, stop, remove

# Guard against being sourced twice.
if [[ -n ${PGMQ_COMMON_SH_LOADED:-} ]]; then
    return 0
fi
PGMQ_COMMON_SH_LOADED=1

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
PG_USER=${PG_USER:-postgres}
export PG_MAJOR PG_BIN PG_CONFIG

# Predictable, untranslated output and a locale that always exists.  TAP
# nodes run initdb with the caller's locale (PostgreSQL::Test::Utils drops
# LC_ALL but keeps LANG), which fails on a locale that is not generated and
# gives SQL_ASCII under plain C, so use C.UTF-8 (built into Debian's libc).
unset LANGUAGE LC_CTYPE LC_COLLATE LC_MESSAGES LC_MONETARY LC_NUMERIC LC_TIME
export LANG=C.UTF-8
export LC_ALL=C.UTF-8

say() {
    printf '==> %s\n' "$*"
}

warn() {
    printf 'WARNING: %s\n' "$*" >&2
}

die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

is_root() {
    [[ $(id -u) -eq 0 ]]
}

ensure_deps() {
    bash "$SCRIPTS_DIR/ensure-deps.sh"
}

# Build the extension in the checkout and install it into the system
# PostgreSQL (needs root: it writes /usr/lib/postgresql and /usr/share).
build_and_install() {
    local jobs
    jobs=$(nproc 2>/dev/null || echo 2)
    say "building pgmq (PG_CONFIG=$PG_CONFIG)"
    make -C "$REPO_ROOT" -j"$jobs" PG_CONFIG="$PG_CONFIG"
    say "installing pgmq into $("$PG_CONFIG" --pkglibdir)"
    if ! is_root && [[ ! -w $("$PG_CONFIG" --pkglibdir) ]]; then
        die "make install needs write access to the PostgreSQL directories; run this as root"
    fi
    make -C "$REPO_ROOT" PG_CONFIG="$PG_CONFIG" install
}

# build_and_install_unless VAR: build_and_install, unless the environment
# variable named VAR (BENCH_SKIP_INSTALL, STRESS_SKIP_INSTALL) is 1; then
# say that the pgmq already installed is used as it is.
build_and_install_unless() {
    local var=$1
    if [[ ${!var:-0} != 1 ]]; then
        build_and_install
    else
        say "$var=1: using the pgmq installed in $("$PG_CONFIG" --pkglibdir)"
    fi
}

# Servers refuse to run as root, so everything that starts one goes through
# this.  When we are not root we already are an ordinary user: run directly.
as_pg_user() {
    if is_root; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

# Create a fresh private directory (under PGMQ_TMPDIR, default /tmp, which
# $PG_USER can traverse) owned by $PG_USER, and print its path.
make_private_dir() {
    local prefix=$1 dir
    dir=$(mktemp -d "${PGMQ_TMPDIR:-/tmp}/$prefix.XXXXXXXX")
    if is_root; then
        chown "$PG_USER:" "$dir"
    fi
    printf '%s\n' "$dir"
}

# Print a TCP port on which nothing listens (checked by binding it), starting
# from a random point so that concurrent runs rarely pick the same one.
free_port() {
    perl -MIO::Socket::INET -e '
        my $start = 20000 + int(rand(20000));
        for my $i (0 .. 999) {
            my $port = $start + $i;
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                          LocalPort => $port,
                                          Proto => "tcp", Listen => 1,
                                          ReuseAddr => 0);
            if ($s) { close $s; print "$port\n"; exit 0; }
        }
        exit 1;' || die "could not find a free TCP port"
}

# Stop every server whose data directory lies below DIR (postmaster.pid
# present).  Used by cleanup paths so nothing is left running.
stop_servers_below() {
    local dir=$1 pidfile
    [[ -d $dir ]] || return 0
    while IFS= read -r -d '' pidfile; do
        as_pg_user "$PG_BIN/pg_ctl" -D "$(dirname "$pidfile")" -m immediate -w stop \
            >/dev/null 2>&1 || true
    done < <(find "$dir" -name postmaster.pid -print0 2>/dev/null)
}

# Print the last N (default 60) lines of FILE, if it exists, under a heading.
tail_file() {
    local file=$1 lines=${2:-60}
    [[ -f $file ]] || return 0
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file"
    tail -n "$lines" "$file"
    printf -- '----- end of %s -----\n' "$file"
}

# on_exit FUNC: make FUNC the script's exit handler.  Whenever the script
# ends (its last line, exit, a set -e failure; ^C exits with status 130,
# SIGTERM with 143) FUNC runs once, with set -e off and the exit status as
# $1, and the script then exits with that same status, whatever FUNC does.
on_exit() {
    PGMQ_EXIT_HANDLER=$1
    trap _pgmq_run_exit_handler EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_pgmq_run_exit_handler() {
    local rc=$?
    trap - EXIT
    set +e
    "$PGMQ_EXIT_HANDLER" "$rc"
    exit "$rc"
}

# ---------------------------------------------------------------------------
# Throwaway PostgreSQL servers, for the demo, the benchmarks and the stress
# test (run-tests.sh leaves its servers to pg_regress and the TAP framework).
#
# A server lives in a directory DIR that $PG_USER can write (make_private_dir
# makes one; pg_server_init creates DIR when it is missing, so one private
# directory can hold several servers in subdirectories):
#   DIR/data         the data directory
#   DIR/server.log   the server log (pg_ctl -l)
#   DIR/initdb.log   initdb's output
# It accepts no TCP connections (listen_addresses = ''), only connections
# on a Unix socket in DIR, at a port free_port picked: connect with
# -h DIR -p "$(pg_server_port DIR)", or use pg_server_psql / pg_server_dsn.
# Authentication is trust; the superuser is $PG_USER (when root) or the
# user running the script.
#
# The functions use $PG_BIN as it is when they are called, so a script may
# point PG_BIN at another PostgreSQL after sourcing this file.
#
# The usual shape of a script:
#   WORK=""
#   cleanup() { pg_server_cleanup "$1" "$WORK"; }
#   on_exit cleanup
#   WORK=$(make_private_dir pgmq-something)
#   pg_server_init "$WORK" "shared_preload_libraries = 'pgmq'"
#   pg_server_start "$WORK"
#   pg_server_psql "$WORK" -c "CREATE EXTENSION pgmq"
# ---------------------------------------------------------------------------

# pg_server_init DIR [CONF_LINE...]: initdb DIR/data as $PG_USER (no locale,
# UTF8, trust authentication), then append to its postgresql.conf the
# private-socket settings (listen_addresses = '', a free port,
# unix_socket_directories = DIR) followed by each CONF_LINE as one line
# (a later line wins over an earlier one, so even those can be overridden).
# Does not start the server.  If initdb fails, prints the end of its output
# and exits the script.
pg_server_init() {
    local dir=$1 port
    shift
    as_pg_user mkdir -p "$dir"
    port=$(free_port) || exit 1
    if ! as_pg_user "$PG_BIN/initdb" -D "$dir/data" --no-locale -E UTF8 -A trust \
        >"$dir/initdb.log" 2>&1; then
        tail_file "$dir/initdb.log" 40
        die "initdb failed"
    fi
    pg_server_conf "$dir" "" \
        "# throwaway server (scripts/common.sh): Unix socket in $dir only" \
        "listen_addresses = ''" \
        "port = $port" \
        "unix_socket_directories = '$dir'" \
        "$@"
}

# pg_server_conf DIR CONF_LINE...: append each CONF_LINE as one line to the
# postgresql.conf of the server in DIR (takes effect at its next start, or
# reload for settings that allow it).
pg_server_conf() {
    local dir=$1
    shift
    (($# > 0)) || return 0
    printf '%s\n' "$@" | as_pg_user tee -a "$dir/data/postgresql.conf" >/dev/null
}

# pg_server_start DIR [TIMEOUT]: start the server in DIR, logging to
# DIR/server.log, and wait until it accepts connections (at most TIMEOUT
# seconds; without it pg_ctl's default, 60 s or $PGCTLTIMEOUT).  Returns
# pg_ctl's status.
pg_server_start() {
    local dir=$1 timeout=()
    [[ -n ${2:-} ]] && timeout=(-t "$2")
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w "${timeout[@]}" start >/dev/null
}

# pg_server_stop DIR [MODE]: stop the server in DIR with shutdown mode MODE
# (fast, the default; smart; or immediate, which is a crash as far as the
# data directory is concerned: the next start runs crash recovery) and wait
# until it is down.  Returns pg_ctl's status (non-zero if it was not running).
pg_server_stop() {
    local dir=$1 mode=${2:-fast}
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null
}

# pg_server_port DIR: print the port of the server in DIR (the last "port ="
# line of its postgresql.conf).
pg_server_port() {
    local conf=$1/data/postgresql.conf port
    port=$(sed -n 's/^port = \([0-9][0-9]*\).*/\1/p' "$conf" | tail -n 1)
    [[ -n $port ]] || die "no port setting in $conf"
    printf '%s\n' "$port"
}

# pg_server_psql DIR [PSQL_ARG...]: run psql (as $PG_USER, no psqlrc,
# ON_ERROR_STOP on) against database postgres of the server in DIR, with
# the given options, e.g. -q -At -c "SELECT 1", or a script on stdin.
pg_server_psql() {
    local dir=$1 port
    shift
    port=$(pg_server_port "$dir") || return
    as_pg_user "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres "$@"
}

# pg_server_dsn DIR [DBNAME]: print a libpq connection string for database
# DBNAME (default postgres) of the server in DIR, as the superuser, for
# clients that do not run through as_pg_user (the C drivers).
pg_server_dsn() {
    local dir=$1 db=${2:-postgres} port user
    port=$(pg_server_port "$dir") || return
    user=$(as_pg_user id -un)
    printf 'host=%s port=%s dbname=%s user=%s\n' "$dir" "$port" "$db" "$user"
}

# pg_server_cleanup RC DIR [KEEP]: the server part of an exit handler (see
# on_exit).  When RC is non-zero, print the last 40 lines of the log of
# every server below DIR; stop every server below DIR that is running (fast
# shutdown, immediate if that fails); then remove DIR, or, when KEEP is 1,
# leave it and say so.  Nothing to do when DIR is empty (the script ended
# before making it).  Never fails.
pg_server_cleanup() {
    local rc=$1 dir=$2 keep=${3:-0} f data
    [[ -n $dir && -d $dir ]] || return 0
    if [[ $rc -ne 0 ]]; then
        while IFS= read -r -d '' f; do
            tail_file "$f" 40
        done < <(find "$dir" -name server.log -print0 2>/dev/null | sort -z)
    fi
    while IFS= read -r -d '' f; do
        data=$(dirname "$f")
        as_pg_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 ||
            as_pg_user "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    done < <(find "$dir" -name postmaster.pid -print0 2>/dev/null)
    if [[ $keep == 1 ]]; then
        say "kept $dir"
    else
        rm -rf -- "$dir"
    fi
    return 0
}
