# Makefile for the pgmq extension (PGXS).
#
#   make              build the shared library and the install script
#   make install      install into the PostgreSQL found by $(PG_CONFIG)
#   make test         install packages if missing, build, install, run every
#                     suite against a throwaway instance (scripts/run-tests.sh):
#                     regress, isolation (plain and preloaded), tap, and the
#                     short chaos test (stress/run.sh, STRESS_SHORT=1), each of
#                     whose invariants counts as one test; SUITES= picks some
#   make demo         build, install, start a throwaway server, show queues
#                     working, stop and remove it (scripts/demo.sh)
#   make bench        build, install, run the load driver (bench/pgmq_bench.c)
#                     against a throwaway server, extension vs hand-written SQL;
#                     results in bench/results/ (bench/run.sh; BENCH_DURATION,
#                     BENCH_ARGS, BENCH_SKIP_INSTALL=1)
#   make bench-wakeup waiting readers: wake-up (preloaded) vs polling, latency
#                     and idle CPU side by side (bench/wakeup.sh)
#   make bench-fifo   FIFO group reads with and without the FIFO index vs a
#                     PGMQ-style query, 6k to 1M messages (bench/fifo_groups.sh)
#   make bench-notify send throughput with insert notifications, ours vs a
#                     PGMQ-style trigger, 4 senders (bench/notify_throughput.sh)
#   make stress       chaos test: producers and consumers while backends are
#                     killed and the server crashed; checks nothing committed
#                     is lost (stress/run.sh; STRESS_SECONDS, STRESS_SHORT=1,
#                     STRESS_SKIP_INSTALL=1); `make test` runs the short form

EXTENSION    = pgmq
EXTVERSION   = $(shell grep default_version $(EXTENSION).control | sed -e "s/.*'\(.*\)'/\1/")

MODULE_big   = pgmq
OBJS         = src/pgmq.o src/names.o src/plancache.o src/queue.o \
               src/send.o src/read.o src/ack.o src/metrics.o \
               src/wait.o src/grouped.o src/topic.o src/notify.o src/partition.o \
               src/grants.o

# Install scripts of released versions (kept, so that an older version can
# still be installed and updated), every update script, and the SQL-only
# switch.  The current version's install script is built from sql/pgmq.sql.
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql)) \
               sql/$(EXTENSION)_adopt_sql_install.sql

# Regression tests live in test/sql, their expected output in expected/
# (test/expected is a symlink to it, because pg_regress looks for
# <inputdir>/expected).
REGRESS      = $(sort $(patsubst test/sql/%.sql,%,$(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
ISOLATION    = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)
TAP_TESTS    = 1
PROVE_TESTS  = test/t/*.pl

PG_CPPFLAGS  = -I$(srcdir)/src -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
EXTRA_CLEAN  = sql/$(EXTENSION)--$(EXTVERSION).sql results output_iso tmp_check \
               tmp_instance regression.diffs regression.out log

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifeq ($(PGXS),)
# No PostgreSQL development files yet: only the self-installing targets work.
all install:
	@echo "PostgreSQL server development files not found; run 'make test' or 'make demo' (they install them), or apt-get install postgresql-server-dev-15" >&2
	@exit 1
else
include $(PGXS)
endif

sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION).sql
	cp $< $@

.PHONY: test demo bench bench-wakeup bench-fifo bench-notify stress
test:
	bash scripts/run-tests.sh

demo:
	bash scripts/demo.sh

# The driver is compiled by bench/run.sh itself, outside PGXS.
bench:
	bash bench/run.sh

bench-wakeup:
	bash bench/wakeup.sh

bench-fifo:
	bash bench/fifo_groups.sh

bench-notify:
	bash bench/notify_throughput.sh

# The chaos test's driver (stress/pgmq_stress.c) is compiled by stress/run.sh.
stress:
	bash stress/run.sh
