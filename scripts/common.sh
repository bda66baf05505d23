# shellcheck shell=bash
#
# scripts/common.sh: settings and helpers shared by the scripts in this
# directory (ensure-deps.sh, run-tests.sh, demo.sh).  Source it; do not run it.
#
# Provides:
#   REPO_ROOT, SCRIPTS_DIR     absolute paths of the checkout and of scripts/
#   PG_MAJOR, PG_BIN, PG_CONFIG  the PostgreSQL 15 installation we build against
#   PG_USER                    the OS user that runs test servers (initdb refuses root)
#   say / warn / die           messages
#   is_root                    true when running as uid 0
#   ensure_deps                run scripts/ensure-deps.sh
#   build_and_install          make + make install of the extension
#   as_pg_user CMD...          run CMD as $PG_USER (directly when not root)
#   make_private_dir PREFIX    mktemp -d that $PG_USER owns
#   free_port                  print a TCP port nobody listens on
#   tail_file FILE [N]         print the last N lines of FILE under a heading

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
