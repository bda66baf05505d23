#!/usr/bin/env bash
#
# scripts/ensure-deps.sh: make sure the Debian packages needed to build and
# test pgmq are installed (compiler, make, PostgreSQL 15 server and its
# development files, libpq, IPC::Run for the TAP tests, and pg_partman for
# the partitioned-queue tests).
#
# A quick no-op when everything is present.  As root, installs just the
# missing packages from the Debian archive; otherwise names them and exits 1.
# Installing postgresql-15 makes Debian create (and try to start) a "main"
# cluster; nothing here relies on it: the tests and the demo use throwaway
# instances of their own.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# libc6-dev is only a Recommends of gcc, which --no-install-recommends skips.
REQUIRED_PACKAGES=(
    gcc
    libc6-dev
    make
    "postgresql-$PG_MAJOR"
    "postgresql-server-dev-$PG_MAJOR"
    libipc-run-perl
    libpq-dev
    "postgresql-$PG_MAJOR-partman"
)

# Print the packages of "$@" that are not fully installed, one per line.
missing_packages() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        if [[ $status != "install ok installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

main() {
    local -a missing
    mapfile -t missing < <(missing_packages "${REQUIRED_PACKAGES[@]}")

    if [[ ${#missing[@]} -gt 0 ]]; then
        if ! is_root; then
            die "missing packages: ${missing[*]}; install them as root with: apt-get install ${missing[*]}"
        fi
        say "installing missing packages: ${missing[*]}"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

        mapfile -t missing < <(missing_packages "${REQUIRED_PACKAGES[@]}")
        if [[ ${#missing[@]} -gt 0 ]]; then
            die "packages still missing after apt-get install: ${missing[*]}"
        fi
    fi

    [[ -x $PG_CONFIG ]] || die "$PG_CONFIG not found although postgresql-server-dev-$PG_MAJOR is installed"
    id -u "$PG_USER" >/dev/null 2>&1 || die "OS user '$PG_USER' does not exist (postgresql-common creates it)"
    say "build and test packages present: ${REQUIRED_PACKAGES[*]}"
}

main "$@"
