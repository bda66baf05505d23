/*-------------------------------------------------------------------------
 *
 * pgmq_stress.c
 *	  Chaos test for pgmq: producers and consumers over libpq while their
 *	  backends are terminated and the server is crashed and restarted,
 *	  then a check that no committed message was lost and, where consumers
 *	  delete in the same transaction as their work, that none was
 *	  processed twice.
 *
 * Two logged queues run side by side, each with its own producers and
 * consumers:
 *
 *	stress_eo	exactly-once consumers: BEGIN; pgmq.read (or read_with_poll)
 *				1..--batch messages; INSERT their keys into the ledger
 *				stress.processed (the "work"); pgmq.delete (or archive)
 *				them; COMMIT.  A crash anywhere rolls all of it back.
 *	stress_alo	at-least-once consumers: the read, the ledger INSERT and
 *				the delete (or archive) are three autocommitted statements,
 *				so a crash between them redelivers the message once its
 *				visibility timeout (--vt) has run out.
 *
 * The ledger has no unique constraint: a message processed twice shows up
 * twice.
 *
 * Producers put a unique key (producer number * 10^10 + sequence number)
 * into every message, mixing autocommitted send (some delayed, some with
 * headers) and send_batch with explicit transactions of several sends or
 * one send_batch, a few of them rolled back on purpose.  A key counts as
 * sent only once the COMMIT (or the autocommitted statement) returned
 * success.  When the connection is lost while that reply is outstanding
 * the outcome is in doubt: the producer reconnects, waits until its old
 * backend has gone (its commit, if any, is then complete), and looks the
 * keys up in the queue table and in the ledger in one statement.  A
 * committed message is in exactly one of the two at any moment (consumers
 * delete only after, or together with, the ledger insert), so the lookup
 * settles the question; it also checks that the transaction's messages
 * committed all or none.  Keys that cannot be looked up (the server never
 * comes back) stay "in doubt" and are left out of the loss count.
 *
 * Meanwhile a chaos thread pg_terminate_backend()s a random consumer (one
 * time in four: producer) backend every --kill-interval ms or so, and
 * --crashes times during the run crashes the server: alternately by
 * running --crash-cmd (pg_ctl stop -m immediate, then start: crash
 * recovery in a new postmaster) and by SIGKILLing a backend (the
 * postmaster then kills all the others, reinitializes shared memory and
 * recovers).  Every worker reconnects with retries.  What the chaos
 * thread did is appended to --chaos-log, so that the caller can tell
 * crashes we caused from others in the server log.
 *
 * After --seconds, chaos and producers stop, consumers drain both queues
 * (waiting out visibility timeouts), and the sent keys are compared with
 * the ledger:
 *
 *	lost		sent but never processed
 *	duplicated	processed more than once
 *	ghosts		processed but never sent (rolled back, or never committed)
 *
 * Finally an unlogged queue (pgmq.create_unlogged) and a logged one are
 * filled, some unlogged messages archived, the server crashed once more,
 * and the unlogged queue is shown emptied while its (logged) archive and
 * the logged queue keep everything: documented behaviour, not a failure.
 *
 * Exit status 0 when nothing committed was lost, nothing was duplicated in
 * exactly-once mode and nothing unexpected happened (no ghost, no
 * half-committed transaction, no statement error other than a lost
 * connection); 1 otherwise.
 *
 * stress/run.sh (make stress) builds this and runs it against a throwaway
 * server; `pgmq_stress --help` lists the options.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  stress/pgmq_stress.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define KEY_SPAN		INT64_C(10000000000)	/* keys per producer */
#define MAX_BATCH		50		/* upper limit of --batch */
#define MAX_SEND		5		/* messages per producer transaction */
#define ARRAY_BUF		(MAX_BATCH * 24 + 8)	/* bigint[] literal */
#define CONNECT_GIVE_UP	180.0	/* seconds without a connection */
#define SETTLE_GIVE_UP	180.0	/* seconds to settle a commit in doubt */
#define MAX_REPORTED	10		/* unexpected errors printed in full */
#define STRESS_CHECKS	7		/* "ok" lines of the verdict (report_checks) */

typedef enum Mode
{
	MODE_EO,
	MODE_ALO
} Mode;

#define N_MODES 2

static const char *const mode_queue[N_MODES] = {"stress_eo", "stress_alo"};
static const char *const mode_label[N_MODES] = {"exactly-once", "at-least-once"};
static const char *const mode_tag[N_MODES] = {"eo", "alo"};

/* ------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------ */

static const char *dsn = "";
static int	run_seconds = 30;
static int	nproducers = 2;			/* per mode */
static int	nconsumers = 3;			/* per mode */
static int	rate = 100;				/* messages/s per producer; 0: no limit */
static int	vt_seconds = 3;
static int	max_batch = 5;
static int	kill_interval_ms = 1000;
static int	ncrashes = 2;
static bool use_sigkill = true;
static const char *crash_cmd = NULL;
static const char *chaos_log_path = NULL;
static int	unlogged_msgs = 1000;
static int	drain_timeout = 90;
static unsigned int seed = 0;

/* ------------------------------------------------------------------------
 * Shared state
 * ------------------------------------------------------------------------ */

typedef struct ModeStats
{
	atomic_long sent;			/* keys whose commit was confirmed */
	atomic_long rolled_back;	/* keys in transactions rolled back on purpose */
	atomic_long failed;			/* keys whose transaction failed before COMMIT */
	atomic_long doubt_txns;		/* transactions whose commit was in doubt */
	atomic_long doubt_keys;		/* ... and their keys: */
	atomic_long doubt_committed;	/* found committed afterwards */
	atomic_long doubt_aborted;	/* found not committed */
	atomic_long doubt_unresolved;	/* never settled */
	atomic_long doubt_partial;	/* transactions found half committed */
	atomic_long consumed;		/* keys whose processing committed */
	atomic_long consumer_aborts;	/* consumer transactions rolled back on
									 * purpose */
	atomic_long ack_miss;		/* delete/archive missed a message in hand */
	atomic_long kills_consumer; /* backends terminated by the chaos thread */
	atomic_long kills_producer;
	atomic_long reconnects;
} ModeStats;

static ModeStats stats[N_MODES];
static atomic_long unexpected_errors;
static atomic_bool stop_producers;
static atomic_bool stop_consumers;
static atomic_bool stop_chaos;
static atomic_bool give_up;		/* the server is gone for good */
static atomic_int crashes_immediate;
static atomic_int crashes_sigkill;
static atomic_int crash_failures;
static int	chaos_crashes;		/* crashes during the chaos period */
static double start_time;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct KeyList
{
	int64_t    *v;
	size_t		n;
	size_t		cap;
} KeyList;

typedef struct Conn
{
	PGconn	   *pg;
	char		base[48];		/* application_name without generation */
	char		name[64];		/* application_name of this connection */
	int			generation;
	int			mode;			/* index into stats, -1: none */
	bool		lost;			/* the last failure lost the connection */
} Conn;

typedef struct Producer
{
	int			id;				/* 1-based and global: the key prefix */
	Mode		mode;
	pthread_t	thread;
	uint64_t	rng;
	int64_t		seq;
	KeyList		sent;			/* keys whose commit is certain */
	KeyList		doubt;			/* keys whose outcome stayed unknown */
} Producer;

typedef struct Consumer
{
	int			index;
	Mode		mode;
	pthread_t	thread;
	uint64_t	rng;
} Consumer;

typedef enum Outcome
{
	OUT_COMMITTED,
	OUT_ROLLED_BACK,
	OUT_FAILED,
	OUT_DOUBT
} Outcome;

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) ((ms - ts.tv_sec * 1000.0) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* xorshift64*: a private random stream per thread */
static uint64_t
rnd64(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(2685821657736338717);
}

/* uniform in [0, n) */
static int
rnd(uint64_t *state, int n)
{
	return (int) ((rnd64(state) >> 33) % (uint64_t) n);
}

static uint64_t
rng_seed(unsigned int salt)
{
	uint64_t	s = ((uint64_t) seed << 32) ^ (salt * UINT64_C(0x9E3779B97F4A7C15));

	return s ? s : 1;
}

/* A progress or event line, stamped with the time since the start. */
static void
note(const char *fmt,...)
{
	va_list		ap;

	pthread_mutex_lock(&log_lock);
	printf("[%6.1fs] ", now_s() - start_time);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

static void
chaos_log(const char *fmt,...)
{
	FILE	   *f;
	va_list		ap;

	if (chaos_log_path == NULL)
		return;
	f = fopen(chaos_log_path, "a");
	if (f == NULL)
	{
		note("cannot append to %s: %s", chaos_log_path, strerror(errno));
		return;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void
keys_add(KeyList *l, const int64_t *k, int n)
{
	if (l->n + n > l->cap)
	{
		l->cap = (l->cap ? l->cap * 2 : 4096) + n;
		l->v = realloc(l->v, l->cap * sizeof(int64_t));
		if (l->v == NULL)
		{
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	memcpy(l->v + l->n, k, n * sizeof(int64_t));
	l->n += n;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

/* a bigint[] literal: {1,2,3} */
static void
int64_array(char *buf, const int64_t *v, int n)
{
	int			i;
	char	   *p = buf;

	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%" PRId64, i ? "," : "", v[i]);
	*p++ = '}';
	*p = '\0';
}

static void
describe_key(char *buf, size_t size, int64_t key)
{
	snprintf(buf, size, "%" PRId64 " (producer %" PRId64 ", message %" PRId64 ")",
			 key, key / KEY_SPAN, key % KEY_SPAN);
}

/* ------------------------------------------------------------------------
 * Connections and statements
 * ------------------------------------------------------------------------ */

/* the crashes make every session print warnings; they are expected */
static void
ignore_notice(void *arg, const char *message)
{
	(void) arg;
	(void) message;
}

/*
 * (Re)connect, retrying while the server is down or recovering.  Each
 * connection gets its own application_name (base + generation), so that
 * a producer can tell when the backend of a lost connection is gone.
 * Returns false only when giving up.
 */
static bool
conn_open(Conn *c)
{
	const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
	const char *vals[4];
	double		start = now_s();

	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
	c->lost = false;
	for (;;)
	{
		PGconn	   *pg;

		c->generation++;
		snprintf(c->name, sizeof(c->name), "%s_g%d", c->base, c->generation);
		vals[0] = dsn;
		vals[1] = c->name;
		vals[2] = "5";
		vals[3] = NULL;
		pg = PQconnectdbParams(keys, vals, 1);
		if (PQstatus(pg) == CONNECTION_OK)
		{
			PGresult   *res;
			bool		ok;

			PQsetNoticeProcessor(pg, ignore_notice, NULL);
			/* a hung statement fails the test instead of hanging it */
			res = PQexec(pg, "SET statement_timeout = '60s'");
			ok = PQresultStatus(res) == PGRES_COMMAND_OK;
			PQclear(res);
			if (ok)
			{
				c->pg = pg;
				if (c->generation > 1 && c->mode >= 0)
					atomic_fetch_add(&stats[c->mode].reconnects, 1);
				return true;
			}
		}
		PQfinish(pg);
		if (atomic_load(&give_up))
			return false;
		if (now_s() - start > CONNECT_GIVE_UP)
		{
			note("%s: no connection for %.0f s, giving up", c->base, CONNECT_GIVE_UP);
			atomic_store(&give_up, true);
			return false;
		}
		sleep_ms(150);
	}
}

static bool
conn_ensure(Conn *c)
{
	if (c->pg != NULL && !c->lost && PQstatus(c->pg) == CONNECTION_OK)
		return true;
	return conn_open(c);
}

static void
conn_close(Conn *c)
{
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
}

static void
report_unexpected(Conn *c, const char *what, PGresult *res)
{
	long		n = atomic_fetch_add(&unexpected_errors, 1) + 1;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (n <= MAX_REPORTED)
		note("UNEXPECTED %s: %s: status %s, SQLSTATE %s: %s",
			 c->name, what,
			 PQresStatus(PQresultStatus(res)),
			 state ? state : "none",
			 res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
	else if (n == MAX_REPORTED + 1)
		note("(further unexpected errors are only counted)");
}

/*
 * Run sql with text parameters.  Returns the result when its status is
 * want; otherwise NULL, with c->lost telling whether the connection went
 * away (expected here: terminated backend, crashed server) or the
 * statement failed on a live connection (unexpected, reported).
 */
static PGresult *
run(Conn *c, const char *what, ExecStatusType want, const char *sql,
	int nparams, const char *const *params)
{
	PGresult   *res;
	const char *state;

	res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	if (res != NULL && PQresultStatus(res) == want)
	{
		c->lost = false;
		return res;
	}
	/*
	 * The connection is gone when libpq says so, when the error came from
	 * libpq itself rather than the server (no SQLSTATE: "server closed the
	 * connection unexpectedly" can arrive before the status turns bad), or
	 * when the server was terminating the session (57P01 admin shutdown,
	 * 57P02 crash shutdown, 57P03 cannot connect now) or reported a
	 * connection exception (class 08).
	 */
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(c->pg) == CONNECTION_BAD || state == NULL ||
		strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0)
		c->lost = true;
	else
	{
		c->lost = false;
		report_unexpected(c, what, res);
	}
	PQclear(res);
	return NULL;
}

static bool
cmd(Conn *c, const char *sql)
{
	PGresult   *res = run(c, sql, PGRES_COMMAND_OK, sql, 0, NULL);

	PQclear(res);
	return res != NULL;
}

/* run a query returning one bigint; false (and *out untouched) on failure */
static bool
query_int64(Conn *c, const char *what, const char *sql, int nparams,
			const char *const *params, int64_t *out)
{
	PGresult   *res = run(c, what, PGRES_TUPLES_OK, sql, nparams, params);

	if (res == NULL)
		return false;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
	{
		report_unexpected(c, what, res);
		PQclear(res);
		return false;
	}
	*out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

/* like query_int64, but reconnects and retries until it works */
static int64_t
query_int64_retry(Conn *c, const char *what, const char *sql)
{
	int64_t		v = -1;
	double		deadline = now_s() + CONNECT_GIVE_UP;

	while (now_s() < deadline && !atomic_load(&give_up))
	{
		if (!conn_ensure(c))
			break;
		if (query_int64(c, what, sql, 0, NULL, &v))
			return v;
		if (!c->lost)
			break;				/* unexpected error: reported */
	}
	return -1;
}

/* ------------------------------------------------------------------------
 * Producers
 * ------------------------------------------------------------------------ */

typedef enum SendOp
{
	SEND_ONE,					/* autocommit pgmq.send */
	SEND_ONE_DELAYED,			/* autocommit pgmq.send, delay 1 s */
	SEND_ONE_HEADERS,			/* autocommit pgmq.send with headers */
	SEND_BATCH,					/* autocommit pgmq.send_batch */
	TXN_SENDS,					/* BEGIN; pgmq.send x k; COMMIT */
	TXN_BATCH					/* BEGIN; pgmq.send_batch; COMMIT */
} SendOp;

static const char *const sql_send =
"SELECT pgmq.send($1, $2::jsonb)";
static const char *const sql_send_delayed =
"SELECT pgmq.send($1, $2::jsonb, 1)";
static const char *const sql_send_headers =
"SELECT pgmq.send($1, $2::jsonb, '{\"x-stress\": true}'::jsonb)";
static const char *const sql_send_batch =
"SELECT pgmq.send_batch($1, ARRAY(SELECT jsonb_build_object("
"'k', x, 'p', x / 10000000000, 's', x % 10000000000) "
"FROM unnest($2::bigint[]) WITH ORDINALITY AS u(x, o) ORDER BY o))";

/* run one send statement; false on failure (c->lost says how) */
static bool
send_stmt(Producer *p, Conn *c, const char *sql, const int64_t *keys, int k)
{
	const char *params[2];
	char		arg[ARRAY_BUF];
	PGresult   *res;
	bool		ok;

	params[0] = mode_queue[p->mode];
	params[1] = arg;
	if (sql == sql_send_batch)
		int64_array(arg, keys, k);
	else
		snprintf(arg, sizeof(arg), "{\"k\": %" PRId64 ", \"p\": %d, \"s\": %" PRId64 "}",
				 keys[0], p->id, keys[0] % KEY_SPAN);
	res = run(c, "send", PGRES_TUPLES_OK, sql, 2, params);
	if (res == NULL)
		return false;
	ok = PQntuples(res) == (sql == sql_send_batch ? k : 1);
	if (!ok)
		report_unexpected(c, "send returned the wrong number of msg_ids", res);
	PQclear(res);
	return ok;
}

/*
 * Send keys[0..k-1] by op and say what became of them.  An autocommitted
 * statement or a COMMIT whose reply was lost is OUT_DOUBT; a failure
 * before COMMIT was sent is OUT_FAILED (nothing can have committed).
 */
static Outcome
produce(Producer *p, Conn *c, SendOp op, const int64_t *keys, int k)
{
	bool		rollback = rnd(&p->rng, 100) < 5;
	int			i;

	switch (op)
	{
		case SEND_ONE:
			return send_stmt(p, c, sql_send, keys, 1) ? OUT_COMMITTED :
				c->lost ? OUT_DOUBT : OUT_FAILED;
		case SEND_ONE_DELAYED:
			return send_stmt(p, c, sql_send_delayed, keys, 1) ? OUT_COMMITTED :
				c->lost ? OUT_DOUBT : OUT_FAILED;
		case SEND_ONE_HEADERS:
			return send_stmt(p, c, sql_send_headers, keys, 1) ? OUT_COMMITTED :
				c->lost ? OUT_DOUBT : OUT_FAILED;
		case SEND_BATCH:
			return send_stmt(p, c, sql_send_batch, keys, k) ? OUT_COMMITTED :
				c->lost ? OUT_DOUBT : OUT_FAILED;
		case TXN_SENDS:
		case TXN_BATCH:
			break;
	}

	if (!cmd(c, "BEGIN"))
		return OUT_FAILED;
	if (op == TXN_BATCH)
	{
		if (!send_stmt(p, c, sql_send_batch, keys, k))
			goto failed;
	}
	else
	{
		for (i = 0; i < k; i++)
			if (!send_stmt(p, c, i % 2 ? sql_send_headers : sql_send, keys + i, 1))
				goto failed;
	}
	if (rollback)
	{
		/* even if the ROLLBACK is lost, nothing was committed */
		cmd(c, "ROLLBACK");
		return OUT_ROLLED_BACK;
	}
	if (cmd(c, "COMMIT"))
		return OUT_COMMITTED;
	/* an error on a live connection has been reported; it rolled back */
	return c->lost ? OUT_DOUBT : OUT_FAILED;

failed:
	if (!c->lost)
		cmd(c, "ROLLBACK");
	return OUT_FAILED;
}

/*
 * Wait until no backend runs under application_name old_name any more: a
 * terminated backend finishes (or abandons) its commit before it exits.
 * False if our own connection was lost meanwhile.
 */
static bool
wait_backend_gone(Conn *c, const char *old_name)
{
	double		start = now_s();
	bool		terminated = false;

	for (;;)
	{
		int64_t		n;
		const char *params[1] = {old_name};

		if (!query_int64(c, "wait for old backend",
						 "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
						 1, params, &n))
			return false;
		if (n == 0)
			return true;
		if (!terminated && now_s() - start > 10)
		{
			int64_t		dummy;

			note("%s: old backend %s still there after 10 s, terminating it",
				 c->name, old_name);
			if (!query_int64(c, "terminate old backend",
							 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
							 "WHERE application_name = $1", 1, params, &dummy))
				return false;
			terminated = true;
		}
		sleep_ms(50);
	}
}

/*
 * A commit whose outcome is unknown: once the old backend is gone, a
 * committed message is either still in the queue table or (consumed) in
 * the ledger -- consumers delete only after, or atomically with, the
 * ledger insert -- so one statement, one snapshot, settles it.
 */
static void
settle(Producer *p, Conn *c, const int64_t *keys, int k)
{
	ModeStats  *st = &stats[p->mode];
	char		old_name[64];
	char		arr[ARRAY_BUF];
	char		sql[512];
	const char *params[1] = {arr};
	double		deadline = now_s() + SETTLE_GIVE_UP;

	snprintf(old_name, sizeof(old_name), "%s", c->name);
	int64_array(arr, keys, k);
	snprintf(sql, sizeof(sql),
			 "SELECT x FROM unnest($1::bigint[]) AS x "
			 "WHERE EXISTS (SELECT 1 FROM pgmq.q_%s q WHERE (q.message->>'k')::bigint = x) "
			 "OR EXISTS (SELECT 1 FROM stress.processed l WHERE l.msg_key = x)",
			 mode_queue[p->mode]);
	atomic_fetch_add(&st->doubt_txns, 1);
	atomic_fetch_add(&st->doubt_keys, k);

	while (now_s() < deadline && !atomic_load(&give_up))
	{
		PGresult   *res;
		int			found;
		int			i;

		if (!conn_ensure(c))
			break;
		if (!wait_backend_gone(c, old_name))
		{
			if (c->lost)
				continue;
			break;
		}
		res = run(c, "settle a commit in doubt", PGRES_TUPLES_OK, sql, 1, params);
		if (res == NULL)
		{
			if (c->lost)
				continue;
			break;
		}
		found = PQntuples(res);
		if (found == k)
		{
			keys_add(&p->sent, keys, k);
			atomic_fetch_add(&st->sent, k);
			atomic_fetch_add(&st->doubt_committed, k);
		}
		else if (found == 0)
			atomic_fetch_add(&st->doubt_aborted, k);
		else
		{
			/* one transaction, partly committed: atomicity is broken */
			atomic_fetch_add(&st->doubt_partial, 1);
			note("ANOMALY %s: transaction of %d messages found %d committed after a lost COMMIT",
				 c->name, k, found);
			for (i = 0; i < found; i++)
			{
				int64_t		key = strtoll(PQgetvalue(res, i, 0), NULL, 10);

				keys_add(&p->sent, &key, 1);
				atomic_fetch_add(&st->sent, 1);
				atomic_fetch_add(&st->doubt_committed, 1);
			}
			atomic_fetch_add(&st->doubt_aborted, k - found);
		}
		PQclear(res);
		return;
	}
	keys_add(&p->doubt, keys, k);
	atomic_fetch_add(&st->doubt_unresolved, k);
}

/* sleep so that this producer sends about `rate` messages per second */
static void
throttle(double *next, int k)
{
	double		t = now_s();

	if (rate <= 0)
		return;
	if (*next < t - 1.0)
		*next = t;				/* no burst after a stall */
	if (*next > t)
		sleep_ms((*next - t) * 1000);
	*next += (double) k / rate;
}

static void *
producer_main(void *arg)
{
	Producer   *p = (Producer *) arg;
	ModeStats  *st = &stats[p->mode];
	Conn		c = {0};
	double		next = now_s();

	snprintf(c.base, sizeof(c.base), "stress_p_%s_%d", mode_tag[p->mode], p->id);
	c.mode = p->mode;

	while (!atomic_load(&stop_producers) && !atomic_load(&give_up))
	{
		int64_t		keys[MAX_SEND];
		int			k = 1;
		int			r = rnd(&p->rng, 100);
		SendOp		op;
		int			i;

		if (!conn_ensure(&c))
			break;
		op = r < 25 ? SEND_ONE :
			r < 35 ? SEND_ONE_DELAYED :
			r < 45 ? SEND_ONE_HEADERS :
			r < 60 ? SEND_BATCH :
			r < 80 ? TXN_SENDS : TXN_BATCH;
		if (op == SEND_BATCH || op == TXN_SENDS || op == TXN_BATCH)
			k = 1 + rnd(&p->rng, MAX_SEND);
		for (i = 0; i < k; i++)
			keys[i] = p->id * KEY_SPAN + ++p->seq;
		throttle(&next, k);

		switch (produce(p, &c, op, keys, k))
		{
			case OUT_COMMITTED:
				keys_add(&p->sent, keys, k);
				atomic_fetch_add(&st->sent, k);
				break;
			case OUT_ROLLED_BACK:
				atomic_fetch_add(&st->rolled_back, k);
				break;
			case OUT_FAILED:
				atomic_fetch_add(&st->failed, k);
				break;
			case OUT_DOUBT:
				settle(p, &c, keys, k);
				break;
		}
	}
	conn_close(&c);
	return NULL;
}

/* ------------------------------------------------------------------------
 * Consumers
 * ------------------------------------------------------------------------ */

/*
 * Read up to qty messages (read or read_with_poll); their msg_ids and keys
 * into ids[] and keys[].  Returns how many, or -1 on failure.
 */
static int
read_msgs(Consumer *w, Conn *c, bool poll, int64_t *ids, int64_t *keys)
{
	char		vt[16];
	char		qty[16];
	const char *params[3] = {mode_queue[w->mode], vt, qty};
	PGresult   *res;
	int			n;
	int			i;

	snprintf(vt, sizeof(vt), "%d", vt_seconds);
	snprintf(qty, sizeof(qty), "%d", 1 + rnd(&w->rng, max_batch));
	res = run(c, poll ? "read_with_poll" : "read", PGRES_TUPLES_OK,
			  poll ?
			  "SELECT msg_id, (message->>'k')::bigint "
			  "FROM pgmq.read_with_poll($1, $2::int, $3::int, 1, 100)" :
			  "SELECT msg_id, (message->>'k')::bigint FROM pgmq.read($1, $2::int, $3::int)",
			  3, params);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (i = 0; i < n; i++)
	{
		ids[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		keys[i] = strtoll(PQgetvalue(res, i, 1), NULL, 10);
	}
	PQclear(res);
	return n;
}

/* the consumer's "work": a short pause, now and then a longer one */
static void
work(Consumer *w)
{
	if (rnd(&w->rng, 100) < 3)
		sleep_ms(30 + rnd(&w->rng, 50));
	else
		sleep_ms(rnd(&w->rng, 2000) / 1000.0);
}

/* record the messages as processed in the ledger */
static bool
ledger_insert(Consumer *w, Conn *c, const int64_t *ids, const int64_t *keys, int n)
{
	char		karr[ARRAY_BUF];
	char		iarr[ARRAY_BUF];
	const char *params[4] = {mode_queue[w->mode], karr, iarr, c->name};
	PGresult   *res;
	bool		ok;

	int64_array(karr, keys, n);
	int64_array(iarr, ids, n);
	res = run(c, "ledger insert", PGRES_COMMAND_OK,
			  "INSERT INTO stress.processed (queue, msg_key, msg_id, consumer) "
			  "SELECT $1, k, i, $4 FROM unnest($2::bigint[], $3::bigint[]) AS u(k, i)",
			  4, params);
	if (res == NULL)
		return false;
	ok = atoi(PQcmdTuples(res)) == n;
	if (!ok)
		report_unexpected(c, "ledger insert: wrong row count", res);
	PQclear(res);
	return ok;
}

/*
 * Acknowledge the messages: delete them (array or single form) or, one
 * time in five, archive them.  A message not found is counted as a miss
 * (an anomaly in exactly-once mode, where we hold its row lock).
 */
static bool
ack(Consumer *w, Conn *c, const int64_t *ids, int n)
{
	char		arr[ARRAY_BUF];
	const char *params[2] = {mode_queue[w->mode], arr};
	int			r = rnd(&w->rng, 100);
	const char *sql;
	int64_t		done;

	if (r < 20)
		sql = "SELECT count(*) FROM pgmq.archive($1, $2::bigint[])";
	else if (r < 40 && n == 1)
		sql = "SELECT pgmq.delete($1, $2::bigint)::int";
	else
		sql = "SELECT count(*) FROM pgmq.delete($1, $2::bigint[])";
	if (n == 1 && r < 40 && r >= 20)
		snprintf(arr, sizeof(arr), "%" PRId64, ids[0]);
	else
		int64_array(arr, ids, n);
	if (!query_int64(c, r < 20 ? "archive" : "delete", sql, 2, params, &done))
		return false;
	if (done < n)
	{
		long		before = atomic_fetch_add(&stats[w->mode].ack_miss, n - done);

		if (w->mode == MODE_EO && before < MAX_REPORTED)
			note("ANOMALY %s: %s found %" PRId64 " of the %d messages read in this transaction",
				 c->name, r < 20 ? "archive" : "delete", done, n);
	}
	return true;
}

/* BEGIN; read; ledger; delete/archive; COMMIT */
static void
consume_exactly_once(Consumer *w, Conn *c)
{
	int64_t		ids[MAX_BATCH];
	int64_t		keys[MAX_BATCH];
	bool		poll = rnd(&w->rng, 2) == 0;
	int			n;

	if (!cmd(c, "BEGIN"))
		return;
	n = read_msgs(w, c, poll, ids, keys);
	if (n <= 0)
	{
		if (n == 0 && cmd(c, "COMMIT") && !poll)
			sleep_ms(20);
		else if (n < 0 && !c->lost)
			cmd(c, "ROLLBACK");
		return;
	}
	work(w);
	if (!ledger_insert(w, c, ids, keys, n) || !ack(w, c, ids, n))
	{
		if (!c->lost)
			cmd(c, "ROLLBACK");
		return;
	}
	if (rnd(&w->rng, 100) < 3)
	{
		/* give up on purpose: the messages are free again at once */
		if (cmd(c, "ROLLBACK"))
			atomic_fetch_add(&stats[w->mode].consumer_aborts, 1);
		return;
	}
	/* a lost COMMIT does not matter: ledger and delete share its fate */
	if (cmd(c, "COMMIT"))
		atomic_fetch_add(&stats[w->mode].consumed, n);
}

/* read; ledger; delete/archive -- each autocommitted */
static void
consume_at_least_once(Consumer *w, Conn *c)
{
	int64_t		ids[MAX_BATCH];
	int64_t		keys[MAX_BATCH];
	bool		poll = rnd(&w->rng, 2) == 0;
	int			n;

	n = read_msgs(w, c, poll, ids, keys);
	if (n <= 0)
	{
		if (n == 0 && !poll)
			sleep_ms(20);
		return;
	}
	work(w);
	/* a failure from here on leaves the messages to come back after vt */
	if (!ledger_insert(w, c, ids, keys, n))
		return;
	atomic_fetch_add(&stats[w->mode].consumed, n);
	work(w);
	ack(w, c, ids, n);
}

static void *
consumer_main(void *arg)
{
	Consumer   *w = (Consumer *) arg;
	Conn		c = {0};

	snprintf(c.base, sizeof(c.base), "stress_c_%s_%d", mode_tag[w->mode], w->index);
	c.mode = w->mode;
	while (!atomic_load(&stop_consumers) && !atomic_load(&give_up))
	{
		if (!conn_ensure(&c))
			break;
		if (w->mode == MODE_EO)
			consume_exactly_once(w, &c);
		else
			consume_at_least_once(w, &c);
	}
	conn_close(&c);
	return NULL;
}

/* ------------------------------------------------------------------------
 * Chaos
 * ------------------------------------------------------------------------ */

static int
mode_of_appname(const char *name)
{
	if (strstr(name, "_eo_") != NULL)
		return MODE_EO;
	if (strstr(name, "_alo_") != NULL)
		return MODE_ALO;
	return -1;
}

/* pg_terminate_backend one random consumer or (1 in 4) producer backend */
static void
kill_one(Conn *c, uint64_t *rng)
{
	bool		producer = rnd(rng, 4) == 0;
	const char *params[1] = {producer ? "stress\\_p\\_%" : "stress\\_c\\_%"};
	PGresult   *res;

	res = run(c, "terminate a backend", PGRES_TUPLES_OK,
			  "SELECT s.application_name, pg_terminate_backend(s.pid) FROM "
			  "(SELECT pid, application_name FROM pg_stat_activity "
			  " WHERE application_name LIKE $1 ORDER BY random() LIMIT 1) s",
			  1, params);
	if (res == NULL)
		return;
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
	{
		int			m = mode_of_appname(PQgetvalue(res, 0, 0));

		if (m >= 0)
			atomic_fetch_add(producer ? &stats[m].kills_producer :
							 &stats[m].kills_consumer, 1);
	}
	PQclear(res);
}

/* pg_ctl stop -m immediate + start, through --crash-cmd */
static bool
crash_immediate(Conn *c, const char *why)
{
	int			rc;

	note("crash (%s): pg_ctl stop -m immediate, then start", why);
	chaos_log("immediate");
	conn_close(c);
	rc = system(crash_cmd);
	if (rc != 0)
	{
		note("crash command failed (status %d): %s", rc, crash_cmd);
		atomic_fetch_add(&crash_failures, 1);
		return false;
	}
	atomic_fetch_add(&crashes_immediate, 1);
	return true;
}

/*
 * SIGKILL a consumer backend: the postmaster treats that as a crash,
 * terminates every other backend, reinitializes shared memory and runs
 * crash recovery.  Returns false if no backend could be killed.
 */
static bool
crash_sigkill(Conn *c, const char *why)
{
	int64_t		pid;
	double		t0;

	if (!query_int64(c, "pick a backend to SIGKILL",
					 "SELECT coalesce((SELECT pid FROM pg_stat_activity "
					 "WHERE application_name LIKE 'stress\\_c\\_%' "
					 "ORDER BY random() LIMIT 1), 0)", 0, NULL, &pid) || pid == 0)
		return false;
	if (kill((pid_t) pid, SIGKILL) != 0)
	{
		note("cannot SIGKILL backend %" PRId64 ": %s", pid, strerror(errno));
		return false;
	}
	chaos_log("sigkill %" PRId64, pid);
	note("crash (%s): SIGKILL backend %" PRId64 "; the postmaster restarts all", why, pid);
	atomic_fetch_add(&crashes_sigkill, 1);
	/* wait for the postmaster to take our connection down too */
	t0 = now_s();
	while (now_s() - t0 < 15)
	{
		int64_t		one;

		if (!query_int64(c, "wait for the crash restart", "SELECT 1", 0, NULL, &one))
			break;
		sleep_ms(50);
	}
	c->lost = true;
	return true;
}

static void
crash(Conn *c, int i)
{
	char		why[32];
	double		t0 = now_s();
	bool		done = false;

	snprintf(why, sizeof(why), "%d of %d", i + 1, ncrashes);
	if (use_sigkill && (i % 2 == 1 || crash_cmd == NULL))
		done = crash_sigkill(c, why);
	if (!done && crash_cmd != NULL)
		done = crash_immediate(c, why);
	if (!done)
	{
		note("crash %s: could not crash the server", why);
		atomic_fetch_add(&crash_failures, 1);
		return;
	}
	if (conn_ensure(c))
		note("server accepting connections again after %.1f s", now_s() - t0);
}

static void *
chaos_main(void *arg)
{
	Conn		c = {0};
	uint64_t	rng = rng_seed(7777);
	double		start = now_s();
	double		next_kill = start + kill_interval_ms / 1000.0;
	int			crash_i = 0;

	(void) arg;
	snprintf(c.base, sizeof(c.base), "stress_chaos");
	c.mode = -1;
	while (!atomic_load(&stop_chaos) && !atomic_load(&give_up))
	{
		double		t;

		if (!conn_ensure(&c))
			break;
		t = now_s();
		if (crash_i < ncrashes &&
			t >= start + (double) run_seconds * (crash_i + 1) / (ncrashes + 1))
		{
			crash(&c, crash_i++);
			continue;
		}
		if (kill_interval_ms > 0 && t >= next_kill)
		{
			kill_one(&c, &rng);
			next_kill = t + kill_interval_ms / 1000.0 * (0.5 + rnd(&rng, 1000) / 1000.0);
		}
		sleep_ms(20);
	}
	conn_close(&c);
	return NULL;
}

/* ------------------------------------------------------------------------
 * Setup, drain, verification
 * ------------------------------------------------------------------------ */

static bool
setup(Conn *c)
{
	static const char *const stmts[] = {
		"SET client_min_messages = warning",
		"CREATE EXTENSION IF NOT EXISTS pgmq",
		"SELECT pgmq.drop_queue(queue_name) FROM pgmq.list_queues() "
		"WHERE queue_name LIKE 'stress%'",
		"DROP SCHEMA IF EXISTS stress CASCADE",
		"CREATE SCHEMA stress",
		/* no unique constraint: a message processed twice is two rows */
		"CREATE TABLE stress.processed (queue text NOT NULL, msg_key bigint NOT NULL, "
		"msg_id bigint NOT NULL, consumer text, "
		"processed_at timestamptz NOT NULL DEFAULT clock_timestamp())",
		"CREATE INDEX ON stress.processed (msg_key)",
		"SELECT pgmq.create('stress_eo')",
		"SELECT pgmq.create('stress_alo')",
	};
	size_t		i;
	PGresult   *res;

	if (!conn_ensure(c))
		return false;
	for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
	{
		res = PQexec(c->pg, stmts[i]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			fprintf(stderr, "setup failed: %s: %s", stmts[i], PQresultErrorMessage(res));
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	res = PQexec(c->pg, "SELECT pgmq.wakeup_mode(), current_setting('server_version')");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		note("server %s, pgmq wake-up mode %s", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

/* let consumers empty both queues (every row, visible or not) */
static bool
drain(Conn *c)
{
	double		deadline = now_s() + drain_timeout;
	double		last_note = 0;

	while (now_s() < deadline && !atomic_load(&give_up))
	{
		PGresult   *res;
		long		eo,
					alo;

		if (!conn_ensure(c))
			return false;
		res = run(c, "drain", PGRES_TUPLES_OK,
				  "SELECT (SELECT count(*) FROM pgmq.q_stress_eo), "
				  "(SELECT count(*) FROM pgmq.q_stress_alo)", 0, NULL);
		if (res == NULL)
			continue;
		eo = atol(PQgetvalue(res, 0, 0));
		alo = atol(PQgetvalue(res, 0, 1));
		PQclear(res);
		if (eo == 0 && alo == 0)
			return true;
		if (now_s() - last_note >= 5)
		{
			note("draining: %ld (exactly-once) + %ld (at-least-once) messages left",
				 eo, alo);
			last_note = now_s();
		}
		sleep_ms(250);
	}
	note("queues not drained after %d s", drain_timeout);
	return false;
}

typedef struct Result
{
	long		sent;
	long		processed;		/* distinct sent keys in the ledger */
	long		deliveries;		/* ledger rows of sent keys */
	long		duplicated;		/* keys processed more than once */
	long		lost;
	long		ghosts;			/* ledger keys never sent */
	long		in_doubt;		/* unsettled keys */
	long		left;			/* still in the queue after draining */
	long		archived;
	long		archive_orphans;	/* archived but not in the ledger */
	bool		ok;				/* verification ran */
} Result;

static void
verify(Conn *c, Mode mode, Producer *producers, int np, Result *r)
{
	KeyList		sent = {0};
	KeyList		doubt = {0};
	char		sql[512];
	const char *params[1] = {mode_queue[mode]};
	PGresult   *res = NULL;
	PGresult   *arch = NULL;
	int			nrows;
	int			i;
	size_t		s = 0;
	int			reported_lost = 0;
	int			reported_dup = 0;
	int			reported_ghost = 0;
	char		desc[96];

	memset(r, 0, sizeof(*r));
	for (i = 0; i < np; i++)
	{
		if (producers[i].mode != mode)
			continue;
		if (producers[i].sent.n)
			keys_add(&sent, producers[i].sent.v, (int) producers[i].sent.n);
		if (producers[i].doubt.n)
			keys_add(&doubt, producers[i].doubt.v, (int) producers[i].doubt.n);
	}
	if (sent.n)
		qsort(sent.v, sent.n, sizeof(int64_t), cmp_int64);
	if (doubt.n)
		qsort(doubt.v, doubt.n, sizeof(int64_t), cmp_int64);
	r->sent = (long) sent.n;
	r->in_doubt = (long) doubt.n;

	/* the ledger, one row per key with its count */
	for (;;)
	{
		if (!conn_ensure(c))
			goto out;
		res = run(c, "read the ledger", PGRES_TUPLES_OK,
				  "SELECT msg_key, count(*) FROM stress.processed WHERE queue = $1 "
				  "GROUP BY msg_key ORDER BY msg_key", 1, params);
		if (res != NULL)
			break;
		if (!c->lost)
			goto out;
	}
	nrows = PQntuples(res);

	/* merge the sorted lists */
	for (i = 0; i <= nrows; i++)
	{
		int64_t		key = i < nrows ? strtoll(PQgetvalue(res, i, 0), NULL, 10) : INT64_MAX;
		long		cnt = i < nrows ? atol(PQgetvalue(res, i, 1)) : 0;

		while (s < sent.n && sent.v[s] < key)
		{
			r->lost++;
			if (reported_lost++ < MAX_REPORTED)
			{
				describe_key(desc, sizeof(desc), sent.v[s]);
				note("LOST %s: %s", mode_label[mode], desc);
			}
			s++;
		}
		if (i == nrows)
			break;
		if (s < sent.n && sent.v[s] == key)
		{
			r->processed++;
			r->deliveries += cnt;
			if (cnt > 1)
			{
				r->duplicated++;
				if (mode == MODE_EO && reported_dup++ < MAX_REPORTED)
				{
					describe_key(desc, sizeof(desc), key);
					note("DUPLICATE %s: %s processed %ld times", mode_label[mode], desc, cnt);
				}
			}
			s++;
		}
		else if (doubt.n == 0 ||
				 bsearch(&key, doubt.v, doubt.n, sizeof(int64_t), cmp_int64) == NULL)
		{
			r->ghosts++;
			if (reported_ghost++ < MAX_REPORTED)
			{
				describe_key(desc, sizeof(desc), key);
				note("GHOST %s: %s processed but never committed by its producer",
					 mode_label[mode], desc);
			}
		}
	}

	/* archived messages must have been processed (ledger first or together) */
	snprintf(sql, sizeof(sql),
			 "SELECT (SELECT count(*) FROM pgmq.a_%s), "
			 "(SELECT count(*) FROM pgmq.a_%s a WHERE NOT EXISTS (SELECT 1 FROM "
			 "stress.processed l WHERE l.msg_key = (a.message->>'k')::bigint)), "
			 "(SELECT count(*) FROM pgmq.q_%s)",
			 mode_queue[mode], mode_queue[mode], mode_queue[mode]);
	for (;;)
	{
		if (!conn_ensure(c))
			goto out;
		arch = run(c, "check the archive", PGRES_TUPLES_OK, sql, 0, NULL);
		if (arch != NULL)
			break;
		if (!c->lost)
			goto out;
	}
	r->archived = atol(PQgetvalue(arch, 0, 0));
	r->archive_orphans = atol(PQgetvalue(arch, 0, 1));
	r->left = atol(PQgetvalue(arch, 0, 2));
	r->ok = true;

out:
	PQclear(res);
	PQclear(arch);
	free(sent.v);
	free(doubt.v);
}

/* ------------------------------------------------------------------------
 * Unlogged queue phase
 * ------------------------------------------------------------------------ */

typedef struct UnloggedResult
{
	bool		ran;
	bool		ok;				/* every step worked */
	int64_t		q_before,
				q_after;		/* unlogged queue */
	int64_t		a_before,
				a_after;		/* its archive (logged) */
	int64_t		l_before,
				l_after;		/* logged control queue */
	int64_t		max_id_before;	/* highest msg_id sent before the crash */
	int64_t		id_after;		/* msg_id of the first send after it */
	char		seq_persistence[16];	/* of the msg_id identity sequence */
	bool		archive_failed;
	char		archive_after[200]; /* what archiving that message did */
} UnloggedResult;

static bool
exec_all(Conn *c, const char *const *stmts, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		PGresult   *res = PQexec(c->pg, stmts[i]);

		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			report_unexpected(c, stmts[i], res);
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	return true;
}

static void
unlogged_phase(Conn *c, UnloggedResult *u)
{
	char		fill_u[256];
	char		fill_l[256];
	const char *setup[] = {
		"SELECT pgmq.create_unlogged('stress_unlogged')",
		"SELECT pgmq.create('stress_logged')",
		fill_u, fill_l,
	};
	char		archive[256];
	const char *arch[] = {archive};
	PGresult   *res;

	memset(u, 0, sizeof(*u));
	u->ran = true;
	snprintf(fill_u, sizeof(fill_u),
			 "SELECT count(*) FROM pgmq.send_batch('stress_unlogged', "
			 "ARRAY(SELECT jsonb_build_object('u', g) FROM generate_series(1, %d) g))",
			 unlogged_msgs);
	snprintf(fill_l, sizeof(fill_l),
			 "SELECT count(*) FROM pgmq.send_batch('stress_logged', "
			 "ARRAY(SELECT jsonb_build_object('l', g) FROM generate_series(1, %d) g))",
			 unlogged_msgs);
	snprintf(archive, sizeof(archive),
			 "SELECT count(*) FROM pgmq.archive('stress_unlogged', ARRAY(SELECT msg_id "
			 "FROM pgmq.q_stress_unlogged ORDER BY msg_id LIMIT %d))",
			 unlogged_msgs / 10);

	note("unlogged phase: create_unlogged, send %d messages (and %d to a logged queue), "
		 "archive %d, crash", unlogged_msgs, unlogged_msgs, unlogged_msgs / 10);
	if (!conn_ensure(c) || !exec_all(c, setup, 4) || !exec_all(c, arch, 1))
		return;
	u->q_before = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.q_stress_unlogged");
	u->a_before = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.a_stress_unlogged");
	u->l_before = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.q_stress_logged");
	u->max_id_before = query_int64_retry(c, "max",
										 "SELECT max(msg_id) FROM pgmq.q_stress_unlogged");
	res = PQexec(c->pg, "SELECT CASE relpersistence WHEN 'u' THEN 'unlogged' "
				 "WHEN 'p' THEN 'logged' ELSE relpersistence::text END FROM pg_class "
				 "WHERE oid = pg_get_serial_sequence('pgmq.q_stress_unlogged', 'msg_id')::regclass");
	snprintf(u->seq_persistence, sizeof(u->seq_persistence), "%s",
			 PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ?
			 PQgetvalue(res, 0, 0) : "?");
	PQclear(res);

	if (!crash_immediate(c, "unlogged phase") || !conn_ensure(c))
		return;

	u->q_after = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.q_stress_unlogged");
	u->a_after = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.a_stress_unlogged");
	u->l_after = query_int64_retry(c, "count", "SELECT count(*) FROM pgmq.q_stress_logged");
	u->id_after = query_int64_retry(c, "send",
									"SELECT * FROM pgmq.send('stress_unlogged', '{\"after\": \"crash\"}')");

	/* archiving that message: does its msg_id collide with the archive? */
	res = PQexec(c->pg, "SELECT pgmq.archive('stress_unlogged', "
				 "(SELECT max(msg_id) FROM pgmq.q_stress_unlogged))");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		snprintf(u->archive_after, sizeof(u->archive_after), "returned %s",
				 PQgetvalue(res, 0, 0));
	else
	{
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		snprintf(u->archive_after, sizeof(u->archive_after), "ERROR %s",
				 msg ? msg : PQerrorMessage(c->pg));
		u->archive_failed = true;
	}
	PQclear(res);
	u->ok = u->q_before >= 0 && u->q_after >= 0 && u->a_before >= 0 &&
		u->a_after >= 0 && u->l_before >= 0 && u->l_after >= 0;
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

static void
usage(const char *prog)
{
	printf("Usage: %s --dsn CONNINFO [options]\n"
		   "Chaos test for pgmq (see the comment at the top of pgmq_stress.c).\n\n"
		   "  --dsn CONNINFO         libpq connection string of the (throwaway!) server\n"
		   "  --seconds N            length of the chaos period (default %d)\n"
		   "  --producers N          producers per queue (default %d)\n"
		   "  --consumers N          consumers per queue (default %d)\n"
		   "  --rate N               messages/s per producer, 0 = no limit (default %d)\n"
		   "  --vt N                 consumers' visibility timeout in s (default %d)\n"
		   "  --batch N              most messages per read, <= %d (default %d)\n"
		   "  --kill-interval MS     mean gap between backend terminations, 0 = none (default %d)\n"
		   "  --crashes N            server crashes during the run (default %d)\n"
		   "  --crash-cmd CMD        shell command that stops the server with -m immediate\n"
		   "                         and starts it again; without it only SIGKILL crashes\n"
		   "  --no-sigkill           crash only through --crash-cmd\n"
		   "  --chaos-log FILE       append what was crashed and killed to FILE\n"
		   "  --unlogged N           messages for the unlogged-queue phase, 0 = skip (default %d)\n"
		   "  --drain-timeout N      seconds allowed to empty the queues (default %d)\n"
		   "  --seed N               random seed (default: time)\n"
		   "  --list-checks          print how many \"ok\" / \"not ok\" lines a run prints, exit\n",
		   prog, run_seconds, nproducers, nconsumers, rate, vt_seconds, MAX_BATCH,
		   max_batch, kill_interval_ms, ncrashes, unlogged_msgs, drain_timeout);
}

static int
int_arg(const char *opt, const char *val, int min, int max)
{
	char	   *end;
	long		v = strtol(val, &end, 10);

	if (*val == '\0' || *end != '\0' || v < min || v > max)
	{
		fprintf(stderr, "invalid value for --%s: %s (%d..%d)\n", opt, val, min, max);
		exit(2);
	}
	return (int) v;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "\npgmq_stress: watchdog expired, the test hung\n";

	(void) sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"seconds", required_argument, NULL, 's'},
		{"producers", required_argument, NULL, 'p'},
		{"consumers", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"vt", required_argument, NULL, 'v'},
		{"batch", required_argument, NULL, 'b'},
		{"kill-interval", required_argument, NULL, 'k'},
		{"crashes", required_argument, NULL, 'x'},
		{"crash-cmd", required_argument, NULL, 'C'},
		{"no-sigkill", no_argument, NULL, 'N'},
		{"chaos-log", required_argument, NULL, 'L'},
		{"unlogged", required_argument, NULL, 'u'},
		{"drain-timeout", required_argument, NULL, 'D'},
		{"seed", required_argument, NULL, 'S'},
		{"list-checks", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			o;

	seed = (unsigned int) time(NULL) ^ (unsigned int) getpid();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1)
	{
		switch (o)
		{
			case 'd':
				dsn = optarg;
				break;
			case 's':
				run_seconds = int_arg("seconds", optarg, 1, 86400);
				break;
			case 'p':
				nproducers = int_arg("producers", optarg, 1, 100);
				break;
			case 'c':
				nconsumers = int_arg("consumers", optarg, 1, 100);
				break;
			case 'r':
				rate = int_arg("rate", optarg, 0, 1000000);
				break;
			case 'v':
				vt_seconds = int_arg("vt", optarg, 1, 3600);
				break;
			case 'b':
				max_batch = int_arg("batch", optarg, 1, MAX_BATCH);
				break;
			case 'k':
				kill_interval_ms = int_arg("kill-interval", optarg, 0, 3600000);
				break;
			case 'x':
				ncrashes = int_arg("crashes", optarg, 0, 100);
				break;
			case 'C':
				crash_cmd = optarg;
				break;
			case 'N':
				use_sigkill = false;
				break;
			case 'L':
				chaos_log_path = optarg;
				break;
			case 'u':
				unlogged_msgs = int_arg("unlogged", optarg, 0, 10000000);
				break;
			case 'D':
				drain_timeout = int_arg("drain-timeout", optarg, 1, 86400);
				break;
			case 'S':
				seed = (unsigned int) strtoul(optarg, NULL, 10);
				break;
			case 'l':
				printf("%d\n", STRESS_CHECKS);
				exit(0);
			case 'h':
				usage(argv[0]);
				exit(0);
			default:
				usage(argv[0]);
				exit(2);
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		exit(2);
	}
	if (ncrashes > 0 && crash_cmd == NULL && !use_sigkill)
	{
		fprintf(stderr, "--crashes needs --crash-cmd when --no-sigkill is given\n");
		exit(2);
	}
}

static void
print_results(const Result *res)
{
	int			m;

	printf("\n%-14s %9s %10s %11s %7s %9s %8s %15s\n",
		   "mode", "sent", "processed", "duplicated", "lost", "in-doubt",
		   "crashes", "backends killed");
	for (m = 0; m < N_MODES; m++)
	{
		char		killed[48];

		snprintf(killed, sizeof(killed), "%ld (%ldc+%ldp)",
				 atomic_load(&stats[m].kills_consumer) + atomic_load(&stats[m].kills_producer),
				 atomic_load(&stats[m].kills_consumer), atomic_load(&stats[m].kills_producer));
		printf("%-14s %9ld %10ld %11ld %7ld %9ld %8d %15s\n",
			   mode_label[m], res[m].sent, res[m].processed, res[m].duplicated,
			   res[m].lost, res[m].in_doubt, chaos_crashes, killed);
	}
	printf("\n(the modes ran side by side and shared the crashes; with the unlogged phase's: %d,"
		   " by pg_ctl stop -m immediate %d,\n by SIGKILL of a backend %d;"
		   " c/p = consumer/producer backends terminated)\n",
		   atomic_load(&crashes_immediate) + atomic_load(&crashes_sigkill),
		   atomic_load(&crashes_immediate), atomic_load(&crashes_sigkill));
	for (m = 0; m < N_MODES; m++)
	{
		ModeStats  *st = &stats[m];

		printf("%s:\n", mode_label[m]);
		printf("  deliveries %ld (%ld extra), ghosts %ld, left in queue %ld, archived %ld"
			   " (%ld not in the ledger)\n",
			   res[m].deliveries, res[m].deliveries - res[m].processed, res[m].ghosts,
			   res[m].left, res[m].archived, res[m].archive_orphans);
		printf("  producers: %ld rolled back on purpose, %ld failed before COMMIT; "
			   "%ld commits in doubt (%ld messages: %ld committed, %ld not, %ld unsettled, "
			   "%ld half-committed transactions)\n",
			   atomic_load(&st->rolled_back), atomic_load(&st->failed),
			   atomic_load(&st->doubt_txns), atomic_load(&st->doubt_keys),
			   atomic_load(&st->doubt_committed), atomic_load(&st->doubt_aborted),
			   atomic_load(&st->doubt_unresolved), atomic_load(&st->doubt_partial));
		printf("  consumers: %ld transactions rolled back on purpose, %ld acks found no message, "
			   "%ld reconnects (all workers)\n",
			   atomic_load(&st->consumer_aborts), atomic_load(&st->ack_miss),
			   atomic_load(&st->reconnects));
	}
}

static void
print_unlogged(const UnloggedResult *u)
{
	if (!u->ran)
		return;
	printf("\nunlogged queue (pgmq.create_unlogged) across a crash (pg_ctl stop -m immediate):\n");
	printf("  %-34s %13s %12s\n", "table", "before crash", "after crash");
	printf("  %-34s %13" PRId64 " %12" PRId64 "   %s\n", "pgmq.q_stress_unlogged (UNLOGGED)",
		   u->q_before, u->q_after,
		   u->q_after == 0 ? "emptied by crash recovery, as documented" : "NOT emptied");
	printf("  %-34s %13" PRId64 " %12" PRId64 "   %s\n", "pgmq.a_stress_unlogged (archive)",
		   u->a_before, u->a_after, u->a_after == u->a_before ? "kept (logged)" : "CHANGED");
	printf("  %-34s %13" PRId64 " %12" PRId64 "   %s\n", "pgmq.q_stress_logged (logged queue)",
		   u->l_before, u->l_after, u->l_after == u->l_before ? "kept" : "CHANGED");
	if (u->id_after <= 0)
		return;
	printf("  the queue's msg_id identity sequence is %s; the first send after the crash got\n"
		   "  msg_id %" PRId64 " (highest before the crash: %" PRId64 ")%s;\n"
		   "  archiving that message: %s\n",
		   u->seq_persistence, u->id_after, u->max_id_before,
		   u->id_after <= u->max_id_before ? ", so msg_ids restart after a crash" : "",
		   u->archive_after);
	if (u->id_after <= u->max_id_before)
		printf("  msg_ids of the unlogged queue restarted after the crash (its identity sequence\n"
			   "  must be logged): a failure\n");
}

/* ------------------------------------------------------------------------
 * The verdict, as TAP lines
 *
 * Each invariant the test promises is one numbered "ok N - ..." or
 * "not ok N - ..." line (with "#" lines saying why), so that the test
 * driver (scripts/run-tests.sh) can count them next to the other suites.
 * STRESS_CHECKS is the number of lines; --list-checks prints it, so the
 * caller (stress/run.sh) can announce a TAP plan before the run, and a
 * driver that dies before its verdict leaves lines missing from that plan,
 * which the counting treats as failures.  The lines are numbered from 1;
 * run.sh numbers its own checks after them.
 * ------------------------------------------------------------------------ */

static int	checks_done = 0;
static int	checks_failed = 0;

/* One TAP line; "why", when not NULL, follows as a "#" line. */
static void
check(bool ok, const char *why, const char *fmt,...)
{
	va_list		ap;

	checks_done++;
	if (!ok)
		checks_failed++;
	printf("%sok %d - ", ok ? "" : "not ", checks_done);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (why != NULL && why[0] != '\0')
		printf("#   %s\n", why + 2);	/* skip the leading "; " */
}

#define WHY(...) \
	snprintf(why + strlen(why), sizeof(why) - strlen(why), __VA_ARGS__)

/*
 * Print every check; returns how many failed.
 */
static int
report_checks(const Result *res, const UnloggedResult *u)
{
	char		why[1024];
	long		killed = 0;
	int			m;

	for (m = 0; m < N_MODES; m++)
		killed += atomic_load(&stats[m].kills_consumer) + atomic_load(&stats[m].kills_producer);

	for (m = 0; m < N_MODES; m++)
	{
		const Result *r = &res[m];

		/* nothing committed lost; in exactly-once mode, nothing twice */
		why[0] = '\0';
		if (!r->ok)
			WHY("; could not verify");
		if (r->sent == 0 || r->processed == 0)
			WHY("; nothing sent or processed");
		if (r->lost)
			WHY("; %ld lost", r->lost);
		if (m == MODE_EO && r->duplicated)
			WHY("; %ld duplicated", r->duplicated);
		if (m == MODE_EO)
			check(why[0] == '\0', why,
				  "exactly-once: %ld lost, %ld duplicated (sent %ld, processed %ld)",
				  r->lost, r->duplicated, r->sent, r->processed);
		else
			check(why[0] == '\0', why,
				  "at-least-once: %ld lost (sent %ld, processed %ld, %ld redelivered twice or more)",
				  r->lost, r->sent, r->processed, r->duplicated);

		/* the books balance: no ghost, nothing half-done or left over */
		why[0] = '\0';
		if (!r->ok)
			WHY("; could not verify");
		if (r->ghosts)
			WHY("; %ld ghosts (processed, never committed by a producer)", r->ghosts);
		if (r->left)
			WHY("; %ld left in the queue after draining", r->left);
		if (r->archive_orphans)
			WHY("; %ld archived without ledger entry", r->archive_orphans);
		if (atomic_load(&stats[m].doubt_partial))
			WHY("; %ld half-committed producer transactions",
				atomic_load(&stats[m].doubt_partial));
		if (m == MODE_EO && atomic_load(&stats[m].ack_miss))
			WHY("; delete/archive missed %ld messages held by the transaction",
				atomic_load(&stats[m].ack_miss));
		check(why[0] == '\0', why,
			  "%s: no ghost, no half-committed send, queue drained, every archived message processed",
			  mode_label[m]);
	}

	/* the chaos happened, and nothing but lost connections went wrong */
	why[0] = '\0';
	if (atomic_load(&unexpected_errors))
		WHY("; %ld unexpected statement errors", atomic_load(&unexpected_errors));
	if (atomic_load(&give_up))
		WHY("; lost the server for good");
	if (atomic_load(&crash_failures) ||
		atomic_load(&crashes_immediate) + atomic_load(&crashes_sigkill) <
		ncrashes + (u->ran ? 1 : 0))
		WHY("; not every planned crash happened");
	check(why[0] == '\0', why,
		  "chaos as planned: %d crashes during the run, %ld backends terminated, "
		  "no unexpected statement error",
		  chaos_crashes, killed);

	/* the unlogged phase: what a crash keeps and what it empties */
	if (!u->ran)
	{
		bool		skipped = unlogged_msgs == 0 || crash_cmd == NULL;

		check(skipped, skipped ? NULL : "; the unlogged phase did not run",
			  "logged queue kept every committed message across a crash%s",
			  skipped ? " # SKIP no unlogged phase (--unlogged 0 or no --crash-cmd)" : "");
		check(skipped, skipped ? NULL : "; the unlogged phase did not run",
			  "unlogged queue emptied by a crash, as documented%s",
			  skipped ? " # SKIP no unlogged phase (--unlogged 0 or no --crash-cmd)" : "");
		return checks_failed;
	}
	why[0] = '\0';
	if (!u->ok)
		WHY("; the unlogged phase failed");
	if (u->l_before != unlogged_msgs || u->l_after != u->l_before)
		WHY("; logged queue: %" PRId64 " messages before the crash, %" PRId64 " after (%d sent)",
			u->l_before, u->l_after, unlogged_msgs);
	if (u->a_after != u->a_before || u->a_before <= 0)
		WHY("; archive of the unlogged queue: %" PRId64 " before, %" PRId64 " after",
			u->a_before, u->a_after);
	check(why[0] == '\0', why,
		  "logged queue kept every committed message across a crash "
		  "(%" PRId64 " before, %" PRId64 " after; logged archive %" PRId64 "/%" PRId64 ")",
		  u->l_before, u->l_after, u->a_before, u->a_after);

	why[0] = '\0';
	if (!u->ok)
		WHY("; the unlogged phase failed");
	if (u->q_before <= 0 || u->q_after != 0)
		WHY("; unlogged queue: %" PRId64 " messages before the crash, %" PRId64 " after",
			u->q_before, u->q_after);
	if (u->id_after <= u->max_id_before)
		WHY("; msg_ids restarted after the crash (%" PRId64 " after, %" PRId64 " before)",
			u->id_after, u->max_id_before);
	if (u->archive_failed)
		WHY("; archiving after the crash failed: %s", u->archive_after);
	check(why[0] == '\0', why,
		  "unlogged queue emptied by a crash, as documented (%" PRId64 " before, %" PRId64
		  " after), msg_ids not reused",
		  u->q_before, u->q_after);

	if (checks_done != STRESS_CHECKS)
	{
		printf("# internal error: %d checks printed, STRESS_CHECKS is %d\n",
			   checks_done, STRESS_CHECKS);
		checks_failed++;
	}
	return checks_failed;
}

int
main(int argc, char **argv)
{
	Producer   *producers;
	Consumer   *consumers;
	pthread_t	chaos;
	Conn		admin = {0};
	Result		res[N_MODES];
	UnloggedResult unlogged = {0};
	int			np;
	int			nc;
	int			i;
	int			m;
	double		last_progress;
	bool		drained;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(run_seconds + drain_timeout + 900);
	start_time = now_s();
	snprintf(admin.base, sizeof(admin.base), "stress_main");
	admin.mode = -1;

	note("pgmq chaos test: %d s, %d producers and %d consumers per queue, %d msg/s each, "
		 "vt %d s, %d crashes, a backend terminated every ~%d ms, seed %u",
		 run_seconds, nproducers, nconsumers, rate, vt_seconds, ncrashes,
		 kill_interval_ms, seed);
	if (!setup(&admin))
		return 1;

	np = nproducers * N_MODES;
	nc = nconsumers * N_MODES;
	producers = calloc(np, sizeof(Producer));
	consumers = calloc(nc, sizeof(Consumer));
	if (producers == NULL || consumers == NULL)
		return 2;
	for (i = 0; i < nc; i++)
	{
		consumers[i].mode = (Mode) (i / nconsumers);
		consumers[i].index = i % nconsumers + 1;
		consumers[i].rng = rng_seed(1000 + i);
		pthread_create(&consumers[i].thread, NULL, consumer_main, &consumers[i]);
	}
	for (i = 0; i < np; i++)
	{
		producers[i].mode = (Mode) (i / nproducers);
		producers[i].id = i + 1;
		producers[i].rng = rng_seed(i + 1);
		pthread_create(&producers[i].thread, NULL, producer_main, &producers[i]);
	}
	pthread_create(&chaos, NULL, chaos_main, NULL);

	last_progress = now_s();
	while (now_s() - start_time < run_seconds && !atomic_load(&give_up))
	{
		sleep_ms(200);
		if (now_s() - last_progress >= 5)
		{
			note("sent/processed: exactly-once %ld/%ld, at-least-once %ld/%ld; "
				 "backends killed %ld, reconnects %ld",
				 atomic_load(&stats[MODE_EO].sent), atomic_load(&stats[MODE_EO].consumed),
				 atomic_load(&stats[MODE_ALO].sent), atomic_load(&stats[MODE_ALO].consumed),
				 atomic_load(&stats[0].kills_consumer) + atomic_load(&stats[0].kills_producer) +
				 atomic_load(&stats[1].kills_consumer) + atomic_load(&stats[1].kills_producer),
				 atomic_load(&stats[0].reconnects) + atomic_load(&stats[1].reconnects));
			last_progress = now_s();
		}
	}

	atomic_store(&stop_chaos, true);
	pthread_join(chaos, NULL);
	chaos_crashes = atomic_load(&crashes_immediate) + atomic_load(&crashes_sigkill);
	atomic_store(&stop_producers, true);
	for (i = 0; i < np; i++)
		pthread_join(producers[i].thread, NULL);
	note("chaos and producers stopped; consumers drain the queues");
	drained = drain(&admin);
	atomic_store(&stop_consumers, true);
	for (i = 0; i < nc; i++)
		pthread_join(consumers[i].thread, NULL);
	if (drained)
		note("queues empty");

	for (m = 0; m < N_MODES; m++)
		verify(&admin, (Mode) m, producers, np, &res[m]);

	if (unlogged_msgs > 0 && crash_cmd != NULL && !atomic_load(&give_up))
		unlogged_phase(&admin, &unlogged);
	conn_close(&admin);

	print_results(res);
	print_unlogged(&unlogged);

	printf("\n");
	if (report_checks(res, &unlogged) == 0)
	{
		printf("PASS: every committed message processed (exactly-once: %ld, no duplicate; "
			   "at-least-once: %ld, %ld duplicated), none lost, across %d crashes and %ld "
			   "terminated backends\n",
			   res[MODE_EO].processed, res[MODE_ALO].processed, res[MODE_ALO].duplicated,
			   chaos_crashes,
			   atomic_load(&stats[0].kills_consumer) + atomic_load(&stats[0].kills_producer) +
			   atomic_load(&stats[1].kills_consumer) + atomic_load(&stats[1].kills_producer));
		return 0;
	}
	printf("FAIL: see the \"not ok\" lines above\n");
	return 1;
}
