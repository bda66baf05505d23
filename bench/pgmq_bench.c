/*
 * bench/pgmq_bench.c: load driver for the pgmq extension.
 *
 * Runs queue workloads (send, send_batch, read + delete, pop, archive,
 * producers and consumers together, reads behind a head of invisible or
 * delayed messages, producers and consumers while another session holds
 * back the xmin horizon) against a PostgreSQL server over libpq, twice
 * each:
 *
 *   ours   the extension's API (pgmq.send, pgmq.read, ...), called through
 *          PQprepare'd statements as a client library would;
 *   floor  hand-written prepared SQL (INSERT ... RETURNING, the
 *          FOR UPDATE SKIP LOCKED claim, DELETE ... = ANY) against a plain
 *          table shaped exactly like pgmq.q_<queue>.
 *
 * The two sides of a workload run back to back from identically filled
 * tables, in alternating order, so drift hits both alike; the report gives
 * throughput and p50/p95/p99 latency per operation and the ours/floor
 * ratios.  Each client is a thread with its own connection.  A progress
 * line is printed every second; results can be written as CSV and JSON.
 *
 * Build: gcc -O2 -Wall -Wextra -pthread -I$(pg_config --includedir)
 *        pgmq_bench.c -o pgmq_bench -lpq
 * Run `pgmq_bench --help` for the options; bench/run.sh (make bench) runs
 * it against a throwaway server.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

/* ------------------------------------------------------------------------
 * Operations, workloads, settings
 * ------------------------------------------------------------------------ */

typedef enum
{
	OP_SEND,
	OP_SEND_BATCH,
	OP_READ,
	OP_DELETE,
	OP_DELETE_BATCH,
	OP_POP,
	OP_ARCHIVE,
	OP_ARCHIVE_BATCH,
	N_OPS
} OpKind;

static const char *const op_names[N_OPS] = {
	"send", "send_batch", "read", "delete", "delete_batch", "pop",
	"archive", "archive_batch"
};

typedef enum
{
	SIDE_OURS,
	SIDE_FLOOR,
	N_SIDES
} Side;

static const char *const side_names[N_SIDES] = {"ours", "floor"};

typedef enum
{
	COMMIT_DURABLE,
	COMMIT_ASYNC,
	N_COMMITS
} CommitMode;

static const char *const commit_names[N_COMMITS] = {"durable", "async"};

typedef enum
{
	WK_SEND,					/* producers only */
	WK_READ_DELETE,				/* read n, then delete them */
	WK_POP,						/* pop n */
	WK_READ_ARCHIVE,			/* read n, then archive them */
	WK_MIXED,					/* producers and read+delete consumers */
	WK_HELD_XMIN				/* as WK_MIXED, while a snapshot is held */
} WorkKind;

static const char *const kind_names[] = {
	"send", "read", "pop", "archive", "mixed", "held_xmin"
};

typedef enum
{
	HEAD_NONE,
	HEAD_INVISIBLE,				/* read already: vt in the future */
	HEAD_DELAYED				/* sent with a delay: vt in the future */
} HeadKind;

static const char *const head_names[] = {"none", "invisible", "delayed"};

typedef struct
{
	char		name[64];
	char		desc[160];
	WorkKind	kind;
	int			producers;
	int			consumers;
	int			send_batch;
	int			read_batch;
	HeadKind	head;
	bool		fill;			/* pre-fill visible messages */
} Workload;

/* The named workloads; default_workloads lists those run by default. */
static const Workload presets[] = {
	{"send1", "pgmq.send of 1 message, 1 client", WK_SEND, 1, 0, 1, 0, HEAD_NONE, false},
	{"send4", "pgmq.send of 1 message, 4 clients", WK_SEND, 4, 0, 1, 0, HEAD_NONE, false},
	{"batch100", "pgmq.send_batch of 100 messages, 1 client", WK_SEND, 1, 0, 100, 0, HEAD_NONE, false},
	{"read1", "read 1 then delete it, 1 client (pre-filled queue)", WK_READ_DELETE, 0, 1, 0, 1, HEAD_NONE, true},
	{"read4", "read 1 then delete it, 4 clients (pre-filled queue)", WK_READ_DELETE, 0, 4, 0, 1, HEAD_NONE, true},
	{"read100", "read 100 then delete them by array, 1 client (pre-filled queue)", WK_READ_DELETE, 0, 1, 0, 100, HEAD_NONE, true},
	{"pop4", "pop 1, 4 clients (pre-filled queue)", WK_POP, 0, 4, 0, 1, HEAD_NONE, true},
	{"archive", "read 1 then archive it, 1 client (pre-filled queue)", WK_READ_ARCHIVE, 0, 1, 0, 1, HEAD_NONE, true},
	{"hol_clean", "as read1 (the clean case of the head-of-queue pair)", WK_READ_DELETE, 0, 1, 0, 1, HEAD_NONE, true},
	{"hol_invisible", "as read1, behind --head invisible (in-flight) messages", WK_READ_DELETE, 0, 1, 0, 1, HEAD_INVISIBLE, true},
	{"hol_delayed", "as read1, behind --head delayed messages", WK_READ_DELETE, 0, 1, 0, 1, HEAD_DELAYED, true},
	{"mixed", "--producers sending and --consumers reading+deleting at once, empty start", WK_MIXED, 0, 0, 0, 0, HEAD_NONE, false},
	{"held_xmin", "as mixed from --hold-fill messages, while another session holds a REPEATABLE READ snapshot for --hold-seconds", WK_HELD_XMIN, 0, 0, 0, 0, HEAD_NONE, false},
};

#define N_PRESETS ((int) (sizeof(presets) / sizeof(presets[0])))

static const char *const default_workloads =
	"send1,send4,batch100,read1,read4,read100,pop4,archive,hol_invisible,hol_delayed";

typedef struct
{
	const char *dsn;
	double		duration;
	double		warmup;
	int			msg_size;
	long		fill;
	long		fill_batch;
	long		head;
	int			vt;
	int			producers;
	int			consumers;
	int			send_batch;
	int			read_batch;
	int			rounds;
	double		hold;			/* held_xmin: seconds the snapshot is held */
	double		after_hold;		/* held_xmin: measured seconds after that */
	long		hold_fill;		/* held_xmin: visible messages to start with */
	const char *queue_alter;	/* ALTER TABLE clause for ours, or NULL */
	const char *floor_alter;	/* ALTER TABLE clause for the floor, or NULL */
	bool		commits[N_COMMITS];
	bool		checkpoint;
	bool		progress;
	const char *queue;
	const char *csv_path;
	const char *json_path;
	const char *timeline_path;
	Workload   *workloads;
	int			n_workloads;
} Config;

static Config cfg;

/* Table and statement text derived from the queue name. */
static char ours_qtable[128];	/* pgmq.q_<queue> */
static char ours_atable[128];	/* pgmq.a_<queue> */
static char floor_qtable[128];	/* bench_floor.q_<queue> */
static char floor_atable[128];	/* bench_floor.a_<queue> */
static char *sql_text[N_SIDES][N_OPS];

static char *payload;			/* one message, --msg-size bytes of JSON */
static char *batch_literal;		/* jsonb[] literal of send_batch messages */

static volatile sig_atomic_t interrupted;

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static void
die(const char *fmt,...)
{
	va_list		ap;

	fputs("pgmq_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xasprintf(const char *fmt,...)
{
	va_list		ap;
	char	   *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t) s;
	ts.tv_nsec = (long) ((s - (double) ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !interrupted)
		;
}

static void
on_signal(int signo)
{
	(void) signo;
	interrupted = 1;
}

/* A growable array of latencies in milliseconds. */
typedef struct
{
	double	   *v;
	size_t		n;
	size_t		cap;
	bool		sorted;
} Samples;

static void
samples_add(Samples *s, double ms)
{
	if (s->n == s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->v = xrealloc(s->v, s->cap * sizeof(double));
	}
	s->v[s->n++] = ms;
	s->sorted = false;
}

static void
samples_append(Samples *dst, const Samples *src)
{
	for (size_t i = 0; i < src->n; i++)
		samples_add(dst, src->v[i]);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile, NAN when there are no samples. */
static double
samples_pct(Samples *s, double pct)
{
	size_t		rank;

	if (s->n == 0)
		return NAN;
	if (!s->sorted)
	{
		qsort(s->v, s->n, sizeof(double), cmp_double);
		s->sorted = true;
	}
	rank = (size_t) ceil(pct / 100.0 * (double) s->n);
	if (rank < 1)
		rank = 1;
	return s->v[rank - 1];
}

static double
samples_mean(const Samples *s)
{
	double		sum = 0;

	if (s->n == 0)
		return NAN;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	return sum / (double) s->n;
}

/* ------------------------------------------------------------------------
 * Control connection: setup, filling, checks
 * ------------------------------------------------------------------------ */

static PGconn *
connect_or_die(void)
{
	PGconn	   *conn = PQconnectdb(cfg.dsn);

	if (PQstatus(conn) != CONNECTION_OK)
		die("connection failed: %s", PQerrorMessage(conn));
	return conn;
}

/* Run a command (optionally with text parameters); die on failure. */
static PGresult *
ctl_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		die("%s\n  in: %s", PQerrorMessage(conn), sql);
	return res;
}

static void
ctl_cmd(PGconn *conn, const char *sql)
{
	PQclear(ctl_exec(conn, sql, 0, NULL));
}

/* Rows in a table, or -1 (after a warning) if it cannot be counted. */
static long long
ctl_count(PGconn *conn, const char *table)
{
	char	   *sql = xasprintf("SELECT count(*) FROM %s", table);
	PGresult   *res = PQexec(conn, sql);
	long long	n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		fprintf(stderr, "pgmq_bench: cannot count %s: %s", table, PQerrorMessage(conn));
	PQclear(res);
	free(sql);
	return n;
}

/* Create the extension, the queue and the floor tables, from scratch. */
static void
setup_schema(PGconn *conn)
{
	const char *params[1] = {cfg.queue};
	char	   *sql;

	ctl_cmd(conn, "SET client_min_messages = warning");
	ctl_cmd(conn, "CREATE EXTENSION IF NOT EXISTS pgmq");
	PQclear(ctl_exec(conn,
					 "SELECT pgmq.drop_queue(queue_name) FROM pgmq.list_queues() "
					 "WHERE queue_name = $1", 1, params));
	PQclear(ctl_exec(conn, "SELECT pgmq.create($1)", 1, params));

	ctl_cmd(conn, "DROP SCHEMA IF EXISTS bench_floor CASCADE");
	ctl_cmd(conn, "CREATE SCHEMA bench_floor");
	/* the same columns, defaults and indexes as pgmq.q_<queue>/a_<queue> */
	sql = xasprintf("CREATE TABLE %s ("
					"msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "
					"read_ct integer DEFAULT 0 NOT NULL, "
					"enqueued_at timestamptz DEFAULT now() NOT NULL, "
					"last_read_at timestamptz, "
					"vt timestamptz NOT NULL, "
					"message jsonb, "
					"headers jsonb)", floor_qtable);
	ctl_cmd(conn, sql);
	free(sql);
	sql = xasprintf("CREATE INDEX q_%s_vt_idx ON %s (vt)", cfg.queue, floor_qtable);
	ctl_cmd(conn, sql);
	free(sql);
	sql = xasprintf("CREATE TABLE %s ("
					"msg_id bigint PRIMARY KEY, "
					"read_ct integer DEFAULT 0 NOT NULL, "
					"enqueued_at timestamptz DEFAULT now() NOT NULL, "
					"last_read_at timestamptz, "
					"archived_at timestamptz DEFAULT now() NOT NULL, "
					"vt timestamptz NOT NULL, "
					"message jsonb, "
					"headers jsonb)", floor_atable);
	ctl_cmd(conn, sql);
	free(sql);
	sql = xasprintf("CREATE INDEX archived_at_idx_%s ON %s (archived_at)", cfg.queue, floor_atable);
	ctl_cmd(conn, sql);
	free(sql);

	/* --queue-alter, --floor-alter: e.g. storage parameters to compare */
	if (cfg.queue_alter)
	{
		sql = xasprintf("ALTER TABLE %s %s", ours_qtable, cfg.queue_alter);
		ctl_cmd(conn, sql);
		free(sql);
	}
	if (cfg.floor_alter)
	{
		sql = xasprintf("ALTER TABLE %s %s", floor_qtable, cfg.floor_alter);
		ctl_cmd(conn, sql);
		free(sql);
	}
}

/* Producers and consumers at once: an empty read is not the end. */
static bool
kind_is_mixed(WorkKind kind)
{
	return kind == WK_MIXED || kind == WK_HELD_XMIN;
}

/* Measured seconds of one run of a workload. */
static double
window_for(const Workload *wl)
{
	if (wl->kind == WK_HELD_XMIN)
		return cfg.hold + cfg.after_hold;
	return cfg.duration;
}

/*
 * Empty both queues and their archives, then fill both identically: first
 * the head (messages whose vt lies an hour ahead, either read already or
 * sent with a delay), then `visible` visible messages, then VACUUM ANALYZE
 * so that neither side inherits autovacuum work from the fill.
 */
static void
prepare_tables(PGconn *conn, HeadKind head, long visible)
{
	const char *tables[N_SIDES][2] = {
		{ours_qtable, ours_atable}, {floor_qtable, floor_atable}
	};
	char	   *sql;
	char		nbuf[32];
	const char *params[2] = {payload, nbuf};

	sql = xasprintf("TRUNCATE %s, %s, %s, %s RESTART IDENTITY",
					ours_qtable, ours_atable, floor_qtable, floor_atable);
	ctl_cmd(conn, sql);
	free(sql);

	for (int s = 0; s < N_SIDES; s++)
	{
		const char *t = tables[s][0];

		if (head != HEAD_NONE && cfg.head > 0)
		{
			snprintf(nbuf, sizeof(nbuf), "%ld", cfg.head);
			sql = xasprintf("INSERT INTO %s (vt, message) "
							"SELECT now() + interval '%s', $1::jsonb FROM generate_series(1, $2::bigint)",
							t, head == HEAD_DELAYED ? "1 hour" : "0");
			PQclear(ctl_exec(conn, sql, 2, params));
			free(sql);
			if (head == HEAD_INVISIBLE)
			{
				/* what reads with a long visibility timeout leave behind */
				sql = xasprintf("UPDATE %s SET vt = now() + interval '1 hour', "
								"read_ct = read_ct + 1, last_read_at = now()", t);
				ctl_cmd(conn, sql);
				free(sql);
			}
		}
		if (visible > 0)
		{
			snprintf(nbuf, sizeof(nbuf), "%ld", visible);
			sql = xasprintf("INSERT INTO %s (vt, message) "
							"SELECT now(), $1::jsonb FROM generate_series(1, $2::bigint)", t);
			PQclear(ctl_exec(conn, sql, 2, params));
			free(sql);
		}
	}
	for (int s = 0; s < N_SIDES; s++)
		for (int i = 0; i < 2; i++)
		{
			sql = xasprintf("VACUUM ANALYZE %s", tables[s][i]);
			ctl_cmd(conn, sql);
			free(sql);
		}
}

/* Flush dirty buffers before a timed window; warn once if not allowed. */
static void
checkpoint(PGconn *conn)
{
	static bool warned = false;
	PGresult   *res;

	if (!cfg.checkpoint)
		return;
	res = PQexec(conn, "CHECKPOINT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK && !warned)
	{
		fprintf(stderr, "pgmq_bench: CHECKPOINT failed, continuing without: %s",
				PQerrorMessage(conn));
		warned = true;
		cfg.checkpoint = false;
	}
	PQclear(res);
}

/* ------------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------------ */

#define MSG_COLS "msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"

/*
 * The statement of each operation on each side, for a workload reading
 * read_batch messages at a time.  Ours take the queue name as $1 and the
 * operation's arguments after it; floor statements take the arguments only,
 * and have the batch size written into their LIMIT, as one would write them
 * by hand: with LIMIT $n the generic plan (n unknown) looks so expensive
 * that PostgreSQL re-plans the claim on every call.
 */
static void
build_statements(int read_batch)
{
	const char *q = floor_qtable;
	const char *a = floor_atable;
	char	   *claim;

	for (int s = 0; s < N_SIDES; s++)
		for (int op = 0; op < N_OPS; op++)
		{
			free(sql_text[s][op]);
			sql_text[s][op] = NULL;
		}

	sql_text[SIDE_OURS][OP_SEND] = xasprintf("SELECT * FROM pgmq.send($1::text, $2::jsonb)");
	sql_text[SIDE_OURS][OP_SEND_BATCH] = xasprintf("SELECT * FROM pgmq.send_batch($1::text, $2::jsonb[])");
	sql_text[SIDE_OURS][OP_READ] = xasprintf("SELECT * FROM pgmq.read($1::text, $2::integer, $3::integer)");
	sql_text[SIDE_OURS][OP_DELETE] = xasprintf("SELECT pgmq.delete($1::text, $2::bigint)");
	sql_text[SIDE_OURS][OP_DELETE_BATCH] = xasprintf("SELECT * FROM pgmq.delete($1::text, $2::bigint[])");
	sql_text[SIDE_OURS][OP_POP] = xasprintf("SELECT * FROM pgmq.pop($1::text, $2::integer)");
	sql_text[SIDE_OURS][OP_ARCHIVE] = xasprintf("SELECT pgmq.archive($1::text, $2::bigint)");
	sql_text[SIDE_OURS][OP_ARCHIVE_BATCH] = xasprintf("SELECT * FROM pgmq.archive($1::text, $2::bigint[])");

	claim = xasprintf("SELECT msg_id FROM %s WHERE vt <= now() "
					  "ORDER BY msg_id LIMIT %d FOR UPDATE SKIP LOCKED", q,
					  read_batch > 0 ? read_batch : 1);

	sql_text[SIDE_FLOOR][OP_SEND] =
		xasprintf("INSERT INTO %s (vt, message) VALUES (now(), $1::jsonb) RETURNING msg_id", q);
	sql_text[SIDE_FLOOR][OP_SEND_BATCH] =
		xasprintf("INSERT INTO %s (vt, message) SELECT now(), m FROM unnest($1::jsonb[]) AS m "
				  "RETURNING msg_id", q);
	sql_text[SIDE_FLOOR][OP_READ] =
		xasprintf("UPDATE %s SET vt = now() + $1::integer * interval '1 second', "
				  "read_ct = read_ct + 1, last_read_at = now() "
				  "WHERE msg_id IN (%s) RETURNING " MSG_COLS, q, claim);
	sql_text[SIDE_FLOOR][OP_POP] =
		xasprintf("DELETE FROM %s WHERE msg_id IN (%s) RETURNING " MSG_COLS, q, claim);
	sql_text[SIDE_FLOOR][OP_DELETE] =
		xasprintf("DELETE FROM %s WHERE msg_id = $1::bigint RETURNING msg_id", q);
	sql_text[SIDE_FLOOR][OP_DELETE_BATCH] =
		xasprintf("DELETE FROM %s WHERE msg_id = ANY($1::bigint[]) RETURNING msg_id", q);
	sql_text[SIDE_FLOOR][OP_ARCHIVE] =
		xasprintf("WITH moved AS (DELETE FROM %s WHERE msg_id = $1::bigint RETURNING " MSG_COLS ") "
				  "INSERT INTO %s (" MSG_COLS ") SELECT " MSG_COLS " FROM moved RETURNING msg_id", q, a);
	sql_text[SIDE_FLOOR][OP_ARCHIVE_BATCH] =
		xasprintf("WITH moved AS (DELETE FROM %s WHERE msg_id = ANY($1::bigint[]) RETURNING " MSG_COLS ") "
				  "INSERT INTO %s (" MSG_COLS ") SELECT " MSG_COLS " FROM moved RETURNING msg_id", q, a);
	free(claim);
}

/* {"pad":"xxx..."} of exactly n bytes (at least its 10-byte frame). */
static char *
make_payload(int n)
{
	int			pad = n > 10 ? n - 10 : 0;
	char	   *s = xmalloc((size_t) pad + 11);

	memcpy(s, "{\"pad\":\"", 8);
	memset(s + 8, 'x', (size_t) pad);
	memcpy(s + 8 + pad, "\"}", 3);
	return s;
}

/* An array literal of n copies of payload, for a jsonb[] parameter. */
static char *
make_batch_literal(int n)
{
	size_t		elen = 2 * strlen(payload) + 3;
	char	   *s = xmalloc((size_t) n * elen + 3);
	char	   *p = s;

	*p++ = '{';
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = payload; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

/* ------------------------------------------------------------------------
 * Workers: one thread and one connection per client
 * ------------------------------------------------------------------------ */

enum
{
	PHASE_IDLE,
	PHASE_WARMUP,
	PHASE_MEASURE,
	PHASE_STOP
};

typedef enum
{
	ROLE_PRODUCER,
	ROLE_CONSUMER
} Role;

typedef struct
{
	_Atomic int phase;
	_Atomic bool drained;		/* a consumer found the queue empty */
	pthread_barrier_t connected;
	pthread_barrier_t go;
} RunControl;

typedef struct
{
	/* set up by the main thread */
	const Workload *wl;
	Side		side;
	CommitMode	commit;
	Role		role;
	int			index;
	RunControl *ctl;

	/* live counters over all phases, read by the progress line */
	_Atomic uint64_t produced;
	_Atomic uint64_t consumed;

	/* measured window only */
	uint64_t	m_produced;
	uint64_t	m_consumed;
	uint64_t	calls[N_OPS];
	Samples		lat[N_OPS];
	double		last_end;		/* end of the last measured operation */
	uint64_t	empty_reads;
	uint64_t	errors;
	char		first_error[256];
	_Atomic bool failed;		/* could not connect or prepare, or lost the
								 * connection */

	PGconn	   *conn;
	char	   *id_array;		/* bigint[] literal of the messages just read */
	char		id_one[32];
} Worker;

static void
worker_error(Worker *w, const char *what)
{
	w->errors++;
	if (w->first_error[0] == '\0')
	{
		snprintf(w->first_error, sizeof(w->first_error), "%s: %s", what,
				 w->conn ? PQerrorMessage(w->conn) : "no connection");
		/* drop the trailing newline libpq leaves */
		w->first_error[strcspn(w->first_error, "\n")] = '\0';
	}
	/* give up on a lost connection, or when every call fails */
	if (w->conn == NULL || PQstatus(w->conn) != CONNECTION_OK || w->errors >= 100)
		w->failed = true;
}

/*
 * Execute a prepared operation with its arguments (the queue name goes in
 * front on our side), timing it when rec.  Returns the result, or NULL
 * after recording the error.
 */
static PGresult *
run_op(Worker *w, OpKind op, int nargs, const char **args, bool rec)
{
	const char *params[4];
	int			n = 0;
	double		t0,
				t1;
	PGresult   *res;

	if (w->side == SIDE_OURS)
		params[n++] = cfg.queue;
	for (int i = 0; i < nargs; i++)
		params[n++] = args[i];

	t0 = now_s();
	res = PQexecPrepared(w->conn, op_names[op], n, params, NULL, NULL, 0);
	t1 = now_s();
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		worker_error(w, op_names[op]);
		PQclear(res);
		return NULL;
	}
	if (rec)
	{
		w->calls[op]++;
		samples_add(&w->lat[op], (t1 - t0) * 1000.0);
		w->last_end = t1;
	}
	return res;
}

/* Rows an acknowledging call says it handled (boolean or set of ids). */
static long
acked_rows(Worker *w, PGresult *res, bool single)
{
	if (w->side == SIDE_OURS && single)
		return PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	return PQntuples(res);
}

static void
produce_once(Worker *w, bool rec)
{
	const char *args[1];
	PGresult   *res;
	long		n;

	if (w->wl->send_batch <= 1)
	{
		args[0] = payload;
		res = run_op(w, OP_SEND, 1, args, rec);
	}
	else
	{
		args[0] = batch_literal;
		res = run_op(w, OP_SEND_BATCH, 1, args, rec);
	}
	if (res == NULL)
		return;
	n = PQntuples(res);
	PQclear(res);
	atomic_fetch_add_explicit(&w->produced, (uint64_t) n, memory_order_relaxed);
	if (rec)
		w->m_produced += (uint64_t) n;
}

static void
consume_once(Worker *w, bool rec)
{
	const Workload *wl = w->wl;
	int			qty = wl->read_batch;
	char		qbuf[16],
				vbuf[16];
	const char *args[2];
	PGresult   *res;
	int			got;
	long		acked;
	OpKind		ack_op;

	snprintf(qbuf, sizeof(qbuf), "%d", qty);
	snprintf(vbuf, sizeof(vbuf), "%d", cfg.vt);

	/* the floor has qty in its statement text */
	if (wl->kind == WK_POP)
	{
		args[0] = qbuf;
		res = run_op(w, OP_POP, w->side == SIDE_OURS ? 1 : 0, args, rec);
		if (res == NULL)
			return;
		got = PQntuples(res);
		PQclear(res);
		if (got == 0)
		{
			if (rec)
				w->empty_reads++;
			atomic_store(&w->ctl->drained, true);
			return;
		}
		atomic_fetch_add_explicit(&w->consumed, (uint64_t) got, memory_order_relaxed);
		if (rec)
			w->m_consumed += (uint64_t) got;
		return;
	}

	args[0] = vbuf;
	args[1] = qbuf;
	res = run_op(w, OP_READ, w->side == SIDE_OURS ? 2 : 1, args, rec);
	if (res == NULL)
		return;
	got = PQntuples(res);
	if (got == 0)
	{
		PQclear(res);
		if (rec)
			w->empty_reads++;
		if (!kind_is_mixed(wl->kind))
			atomic_store(&w->ctl->drained, true);
		return;
	}
	if (got == 1)
	{
		snprintf(w->id_one, sizeof(w->id_one), "%s", PQgetvalue(res, 0, 0));
		args[0] = w->id_one;
		ack_op = wl->kind == WK_READ_ARCHIVE ? OP_ARCHIVE : OP_DELETE;
	}
	else
	{
		char	   *p = w->id_array;

		*p++ = '{';
		for (int i = 0; i < got; i++)
			p += sprintf(p, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
		*p++ = '}';
		*p = '\0';
		args[0] = w->id_array;
		ack_op = wl->kind == WK_READ_ARCHIVE ? OP_ARCHIVE_BATCH : OP_DELETE_BATCH;
	}
	PQclear(res);

	res = run_op(w, ack_op, 1, args, rec);
	if (res == NULL)
		return;
	acked = acked_rows(w, res, got == 1);
	PQclear(res);
	if (acked != got)
	{
		char		what[96];

		snprintf(what, sizeof(what), "%s handled %ld of %d messages read",
				 op_names[ack_op], acked, got);
		worker_error(w, what);
	}
	atomic_fetch_add_explicit(&w->consumed, (uint64_t) acked, memory_order_relaxed);
	if (rec)
		w->m_consumed += (uint64_t) acked;
}

/* Connect, configure the session and prepare every operation. */
static bool
worker_setup(Worker *w)
{
	PGresult   *res;

	w->conn = PQconnectdb(cfg.dsn);
	if (PQstatus(w->conn) != CONNECTION_OK)
	{
		worker_error(w, "connect");
		return false;
	}
	res = PQexec(w->conn, w->commit == COMMIT_ASYNC
				 ? "SET synchronous_commit = off; SET application_name = 'pgmq_bench'"
				 : "SET synchronous_commit = on; SET application_name = 'pgmq_bench'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		worker_error(w, "session settings");
		PQclear(res);
		return false;
	}
	PQclear(res);
	for (int op = 0; op < N_OPS; op++)
	{
		res = PQprepare(w->conn, op_names[op], sql_text[w->side][op], 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			worker_error(w, "prepare");
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	return true;
}

static void *
worker_main(void *arg)
{
	Worker	   *w = arg;
	int			phase;

	if (!worker_setup(w))
		w->failed = true;
	pthread_barrier_wait(&w->ctl->connected);
	pthread_barrier_wait(&w->ctl->go);

	while (!w->failed &&
		   (phase = atomic_load_explicit(&w->ctl->phase, memory_order_acquire)) != PHASE_STOP)
	{
		bool		rec = phase == PHASE_MEASURE;

		if (w->role == ROLE_PRODUCER)
			produce_once(w, rec);
		else
			consume_once(w, rec);
	}
	if (w->conn)
		PQfinish(w->conn);
	w->conn = NULL;
	return NULL;
}

/* ------------------------------------------------------------------------
 * Running one side of one workload
 * ------------------------------------------------------------------------ */

/*
 * One second of a run with a timeline (mixed, held_xmin): rates over the
 * second that ends at t, and the queue table as the statistics collector
 * and the storage manager saw it then.  n_dead_tup lags by up to a second
 * (backends flush their counts at most once a second).
 */
typedef struct
{
	int			round;
	double		t;				/* seconds since the measured window began */
	bool		held;			/* the snapshot was held during this second */
	double		sent_rate;
	double		cons_rate;
	long long	depth;
	long long	dead;			/* pg_stat_get_dead_tuples */
	long long	live;			/* pg_stat_get_live_tuples */
	long long	heap_bytes;		/* pg_relation_size */
	long long	total_bytes;	/* pg_total_relation_size: heap + indexes */
} TimePoint;

typedef struct
{
	bool		ran;
	int			runs;			/* rounds summed in */
	double		elapsed;		/* measured seconds */
	uint64_t	produced;
	uint64_t	consumed;
	uint64_t	calls[N_OPS];
	Samples		lat[N_OPS];
	uint64_t	empty_reads;
	uint64_t	errors;
	int			drained_runs;
	int			depth_mismatches;
	char		first_error[256];
	double	   *run_rates;		/* messages/s of each round */
	TimePoint  *timeline;		/* every round's seconds, in order */
	int			n_timeline;
} SideResult;

typedef struct
{
	const Workload *wl;
	CommitMode	commit;
	SideResult	side[N_SIDES];
} Cell;

/* The messages a workload is measured by: sent, or consumed. */
static uint64_t
result_messages(const Cell *c, const SideResult *r)
{
	return c->wl->kind == WK_SEND ? r->produced : r->consumed;
}

static void
progress_line(const char *label, const char *phase, double t, double sent_rate,
			  double cons_rate, long long depth, long long dead)
{
	if (!cfg.progress)
		return;
	printf("  %-34s %-7s %5.0fs  msgs/s %9.0f  (sent %9.0f/s, consumed %9.0f/s)  depth %9lld",
		   label, phase, t, sent_rate + cons_rate, sent_rate, cons_rate, depth);
	if (dead >= 0)
		printf("  dead %9lld", dead);
	putchar('\n');
	fflush(stdout);
}

/* messages produced and consumed so far by all workers of a run */
static void
worker_totals(Worker *workers, int n, uint64_t *produced, uint64_t *consumed)
{
	*produced = *consumed = 0;
	for (int i = 0; i < n; i++)
	{
		*produced += atomic_load_explicit(&workers[i].produced, memory_order_relaxed);
		*consumed += atomic_load_explicit(&workers[i].consumed, memory_order_relaxed);
	}
}

/*
 * The queue table's dead and live tuples and sizes, into p; -1 each when
 * they cannot be read.
 */
static void
sample_table(PGconn *ctl, const char *table, TimePoint *p)
{
	const char *params[1] = {table};
	PGresult   *res;

	p->dead = p->live = p->heap_bytes = p->total_bytes = -1;
	res = PQexecParams(ctl,
					   "SELECT pg_stat_get_dead_tuples(c), pg_stat_get_live_tuples(c), "
					   "pg_relation_size(c), pg_total_relation_size(c) "
					   "FROM (SELECT $1::regclass AS c) s",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		p->dead = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		p->live = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		p->heap_bytes = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		p->total_bytes = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	}
	PQclear(res);
}

/*
 * The once-a-second tick: rates since the previous one, printed as the
 * progress line; with point (timeline runs) also the table's state, which
 * is sampled from ctl and stored in *point.
 */
static void
progress_tick(const char *label, const char *phase, double t, double elapsed,
			  Worker *workers, int n, long long depth0,
			  uint64_t *last_sent, uint64_t *last_cons, double *last_t,
			  PGconn *ctl, const char *table, TimePoint *point)
{
	uint64_t	s;
	uint64_t	c;
	double		sr,
				cr;
	long long	depth;

	worker_totals(workers, n, &s, &c);
	sr = (double) (s - *last_sent) / (t - *last_t);
	cr = (double) (c - *last_cons) / (t - *last_t);
	depth = depth0 + (long long) s - (long long) c;
	if (point)
	{
		sample_table(ctl, table, point);
		point->t = elapsed;
		point->sent_rate = sr;
		point->cons_rate = cr;
		point->depth = depth;
	}
	progress_line(label, phase, elapsed, sr, cr, depth, point ? point->dead : -1);
	*last_sent = s;
	*last_cons = c;
	*last_t = t;
}

/*
 * held_xmin: open a REPEATABLE READ transaction and take its snapshot, so
 * that its xmin holds back what VACUUM (and pruning) may remove until
 * release_snapshot().
 */
static PGconn *
hold_snapshot(void)
{
	PGconn	   *conn = connect_or_die();

	ctl_cmd(conn, "SET application_name = 'pgmq_bench holder'");
	ctl_cmd(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	PQclear(ctl_exec(conn, "SELECT 1 FROM pg_catalog.pg_class LIMIT 1", 0, NULL));
	return conn;
}

static void
release_snapshot(PGconn *conn)
{
	ctl_cmd(conn, "COMMIT");
	PQfinish(conn);
}

/*
 * Run one side: start the clients, warm up, measure for --duration seconds
 * (less if a consumer empties the queue), stop, and add the measurements to
 * r.  depth0 is what the queue held at the start.  held_xmin measures for
 * --hold-seconds with a snapshot held from the window's first moment, then
 * --after-hold seconds more without it; it and mixed record a timeline
 * (one TimePoint per second, tagged with round).
 */
static void
run_side(PGconn *ctl, const Workload *wl, CommitMode commit, Side side,
		 long long depth0, int round, SideResult *r)
{
	int			nprod = wl->producers;
	int			ncons = wl->consumers;
	int			n = nprod + ncons;
	Worker	   *workers = calloc((size_t) n, sizeof(Worker));
	pthread_t  *threads = xmalloc((size_t) n * sizeof(pthread_t));
	RunControl	rc;
	char		label[96];
	double		t_start,
				t_measure,
				t_stop,
				t_next,
				last_t;
	uint64_t	last_sent = 0,
				last_cons = 0;
	bool		failed = false;
	long long	depth_expected,
				depth_actual;
	double		elapsed = 0;
	uint64_t	run_msgs;
	double		window = window_for(wl);
	bool		timeline = kind_is_mixed(wl->kind);
	bool		hold = wl->kind == WK_HELD_XMIN;
	const char *table = side == SIDE_OURS ? ours_qtable : floor_qtable;
	PGconn	   *holder = NULL;

	if (workers == NULL)
		die("out of memory");
	snprintf(label, sizeof(label), "%s %s %s", wl->name, commit_names[commit], side_names[side]);

	atomic_init(&rc.phase, PHASE_IDLE);
	atomic_init(&rc.drained, false);
	pthread_barrier_init(&rc.connected, NULL, (unsigned) n + 1);
	pthread_barrier_init(&rc.go, NULL, (unsigned) n + 1);

	for (int i = 0; i < n; i++)
	{
		Worker	   *w = &workers[i];

		w->wl = wl;
		w->side = side;
		w->commit = commit;
		w->role = i < nprod ? ROLE_PRODUCER : ROLE_CONSUMER;
		w->index = i;
		w->ctl = &rc;
		atomic_init(&w->produced, 0);
		atomic_init(&w->consumed, 0);
		w->id_array = xmalloc((size_t) (wl->read_batch > 0 ? wl->read_batch : 1) * 24 + 4);
		if (pthread_create(&threads[i], NULL, worker_main, w) != 0)
			die("pthread_create failed");
	}

	checkpoint(ctl);
	pthread_barrier_wait(&rc.connected);
	for (int i = 0; i < n; i++)
		if (workers[i].failed)
			failed = true;
	atomic_store(&rc.phase, failed ? PHASE_STOP
				 : cfg.warmup > 0 ? PHASE_WARMUP : PHASE_MEASURE);
	if (!failed && hold && cfg.warmup <= 0)
		holder = hold_snapshot();
	t_start = now_s();
	pthread_barrier_wait(&rc.go);

	t_measure = t_start;
	if (!failed && cfg.warmup > 0)
	{
		t_next = t_start + 1.0;
		last_t = t_start;
		while (!interrupted && !atomic_load(&rc.drained))
		{
			double		t = now_s();

			if (t >= t_start + cfg.warmup)
				break;
			if (t >= t_next)
			{
				progress_tick(label, "warm-up", t, t - t_start, workers, n, depth0,
							  &last_sent, &last_cons, &last_t, NULL, NULL, NULL);
				t_next += 1.0;
			}
			sleep_s(0.02);
		}
		if (hold)
			holder = hold_snapshot();
		t_measure = now_s();
		atomic_store_explicit(&rc.phase, PHASE_MEASURE, memory_order_release);
	}

	if (!failed)
	{
		/* the measured window */
		worker_totals(workers, n, &last_sent, &last_cons);
		last_t = t_measure;
		t_next = t_measure + 1.0;
		while (!interrupted && !atomic_load(&rc.drained))
		{
			double		t = now_s();
			bool		dead = false;

			if (t >= t_measure + window)
				break;
			for (int i = 0; i < n; i++)
				dead |= workers[i].failed;
			if (dead)
				break;
			if (holder && t >= t_measure + cfg.hold)
			{
				release_snapshot(holder);
				holder = NULL;
			}
			if (t >= t_next)
			{
				TimePoint  *p = NULL;

				if (timeline)
				{
					r->timeline = xrealloc(r->timeline,
										   (size_t) (r->n_timeline + 1) * sizeof(TimePoint));
					p = &r->timeline[r->n_timeline++];
					p->round = round;
					/* held if the second began before the release */
					p->held = hold && last_t - t_measure < cfg.hold - 1e-6;
				}
				progress_tick(label, p && p->held ? "held" : "run", t, t - t_measure,
							  workers, n, depth0, &last_sent, &last_cons, &last_t,
							  ctl, table, p);
				t_next += 1.0;
			}
			sleep_s(0.02);
		}
	}
	if (holder)
		release_snapshot(holder);
	t_stop = now_s();
	atomic_store_explicit(&rc.phase, PHASE_STOP, memory_order_release);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	/* the window ends with the last measured operation (or now, if none) */
	for (int i = 0; i < n; i++)
		if (workers[i].last_end - t_measure > elapsed)
			elapsed = workers[i].last_end - t_measure;
	if (elapsed <= 0)
		elapsed = t_stop - t_measure;

	/* gather */
	depth_expected = depth0;
	r->ran = true;
	r->elapsed += elapsed;
	run_msgs = 0;
	for (int i = 0; i < n; i++)
	{
		Worker	   *w = &workers[i];

		depth_expected += (long long) atomic_load(&w->produced) - (long long) atomic_load(&w->consumed);
		r->produced += w->m_produced;
		r->consumed += w->m_consumed;
		run_msgs += wl->kind == WK_SEND ? w->m_produced : w->m_consumed;
		r->empty_reads += w->empty_reads;
		r->errors += w->errors;
		if (w->failed && w->errors == 0)
			r->errors++;
		if (w->first_error[0] && r->first_error[0] == '\0')
			snprintf(r->first_error, sizeof(r->first_error), "%s", w->first_error);
		for (int op = 0; op < N_OPS; op++)
		{
			r->calls[op] += w->calls[op];
			samples_append(&r->lat[op], &w->lat[op]);
			free(w->lat[op].v);
		}
		free(w->id_array);
	}
	r->run_rates = xrealloc(r->run_rates, (size_t) (r->runs + 1) * sizeof(double));
	r->run_rates[r->runs++] = (double) run_msgs / elapsed;
	if (atomic_load(&rc.drained) && !kind_is_mixed(wl->kind))
	{
		r->drained_runs++;
		printf("  %-34s queue emptied after %.1f s of measuring (raise --fill for a full window)\n",
			   label, t_stop - t_measure);
	}

	/* the queue must hold exactly what the counters say */
	depth_actual = ctl_count(ctl, side == SIDE_OURS ? ours_qtable : floor_qtable);
	if (depth_actual < 0)
		r->depth_mismatches++;
	else if (depth_actual != depth_expected)
	{
		r->depth_mismatches++;
		printf("  %-34s WARNING: queue holds %lld messages, the clients account for %lld\n",
			   label, depth_actual, depth_expected);
	}
	if (r->first_error[0])
		printf("  %-34s ERROR: %s\n", label, r->first_error);

	pthread_barrier_destroy(&rc.connected);
	pthread_barrier_destroy(&rc.go);
	free(workers);
	free(threads);
}

/* Visible messages to pre-fill for a workload. */
static long
fill_for(const Workload *wl)
{
	if (wl->kind == WK_HELD_XMIN)
		return cfg.hold_fill;
	if (!wl->fill)
		return 0;
	return wl->read_batch > 1 ? cfg.fill_batch : cfg.fill;
}

/* ------------------------------------------------------------------------
 * Reporting
 * ------------------------------------------------------------------------ */

static double
rate(double n, double secs)
{
	return secs > 0 ? n / secs : NAN;
}

static double
ratio(double ours, double floor_v)
{
	if (isnan(ours) || isnan(floor_v) || floor_v == 0)
		return NAN;
	return ours / floor_v;
}

static void
fmt_num(char *buf, size_t len, double v, int prec)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
}

/* The mean of a side's timeline at second index k over its rounds. */
typedef struct
{
	int			n;
	bool		held;
	double		sent_rate;
	double		cons_rate;
	double		dead;
	double		total_mb;
} TimeMean;

static TimeMean
timeline_mean(const SideResult *r, int k)
{
	TimeMean	m = {0};
	int			seen_round = -1,
				idx = -1;

	for (int i = 0; i < r->n_timeline; i++)
	{
		const TimePoint *p = &r->timeline[i];

		if (p->round != seen_round)
		{
			seen_round = p->round;
			idx = 0;
		}
		else
			idx++;
		if (idx != k)
			continue;
		m.n++;
		m.held |= p->held;
		m.sent_rate += p->sent_rate;
		m.cons_rate += p->cons_rate;
		m.dead += (double) p->dead;
		m.total_mb += (double) p->total_bytes / (1024.0 * 1024.0);
	}
	if (m.n > 0)
	{
		m.sent_rate /= m.n;
		m.cons_rate /= m.n;
		m.dead /= m.n;
		m.total_mb /= m.n;
	}
	return m;
}

/* Mean consumed/s over second indexes [from, to) of a side's timeline. */
static double
timeline_rate(const SideResult *r, int from, int to)
{
	double		sum = 0;
	int			n = 0;

	for (int k = from; k < to; k++)
	{
		TimeMean	m = timeline_mean(r, k);

		if (m.n == 0)
			continue;
		sum += m.cons_rate;
		n++;
	}
	return n ? sum / n : NAN;
}

/*
 * The timelines of mixed and held_xmin runs, ours next to the floor, one
 * line per second (the mean over rounds), and how far throughput fell from
 * the first seconds to the last seconds of the hold.
 */
static void
print_timelines(Cell *cells, int ncells)
{
	char		b[10][32];

	for (int i = 0; i < ncells; i++)
	{
		Cell	   *c = &cells[i];
		SideResult *o = &c->side[SIDE_OURS];
		SideResult *f = &c->side[SIDE_FLOOR];
		int			len = 0;
		int			held_len = 0;

		if (!kind_is_mixed(c->wl->kind) || (!o->n_timeline && !f->n_timeline))
			continue;
		for (int k = 0;; k++)
		{
			TimeMean	mo = timeline_mean(o, k);
			TimeMean	mf = timeline_mean(f, k);

			if (mo.n == 0 && mf.n == 0)
				break;
			len = k + 1;
			if (mo.held || mf.held)
				held_len = k + 1;
		}
		if (c->wl->kind == WK_HELD_XMIN)
			printf("\nHeld xmin (%s): %s; snapshot held for the first %g s of each run%s, "
				   "mean of %d round(s)\n",
				   commit_names[c->commit], c->wl->name, cfg.hold,
				   cfg.after_hold > 0 ? ", released after" : "", o->runs > f->runs ? o->runs : f->runs);
		else
			printf("\nTimeline (%s): %s, no snapshot held, mean of %d round(s)\n",
				   commit_names[c->commit], c->wl->name, o->runs > f->runs ? o->runs : f->runs);
		printf("dead = pg_stat_get_dead_tuples of the queue table; MB = heap + indexes; "
			   "msgs/s = consumed (sent)\n\n");
		printf("%5s %1s | %8s %8s %9s %7s | %8s %8s %9s %7s\n", "t s", "", "ours/s", "(sent)",
			   "dead", "MB", "floor/s", "(sent)", "dead", "MB");
		for (int k = 0; k < len; k++)
		{
			TimeMean	mo = timeline_mean(o, k);
			TimeMean	mf = timeline_mean(f, k);

			fmt_num(b[0], 32, mo.n ? mo.cons_rate : NAN, 0);
			fmt_num(b[1], 32, mo.n ? mo.sent_rate : NAN, 0);
			fmt_num(b[2], 32, mo.n ? mo.dead : NAN, 0);
			fmt_num(b[3], 32, mo.n ? mo.total_mb : NAN, 1);
			fmt_num(b[4], 32, mf.n ? mf.cons_rate : NAN, 0);
			fmt_num(b[5], 32, mf.n ? mf.sent_rate : NAN, 0);
			fmt_num(b[6], 32, mf.n ? mf.dead : NAN, 0);
			fmt_num(b[7], 32, mf.n ? mf.total_mb : NAN, 1);
			printf("%5d %1s | %8s %8s %9s %7s | %8s %8s %9s %7s\n", k + 1,
				   mo.held || mf.held ? "H" : "", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
		}
		if (held_len >= 4)
		{
			int			w = held_len >= 10 ? 5 : 2;

			for (int s = 0; s < N_SIDES; s++)
			{
				double		first = timeline_rate(&c->side[s], 0, w);
				double		last = timeline_rate(&c->side[s], held_len - w, held_len);
				TimeMean	end = timeline_mean(&c->side[s], held_len - 1);

				fmt_num(b[0], 32, first, 0);
				fmt_num(b[1], 32, last, 0);
				fmt_num(b[2], 32, 100.0 * ratio(last, first), 0);
				fmt_num(b[3], 32, end.n ? end.dead : NAN, 0);
				fmt_num(b[4], 32, end.n ? end.total_mb : NAN, 1);
				printf("  %-5s consumed %7s/s in the first %d s, %7s/s in the last %d s held "
					   "(%s%%); at the release %s dead tuples, %s MB\n",
					   side_names[s], b[0], w, b[1], w, b[2], b[3], b[4]);
			}
		}
	}
}

/*
 * Every timeline point as CSV: workload, commit mode, side, round, second.
 * Nothing is written when no workload recorded a timeline.
 */
static void
write_timeline_csv(const char *path, Cell *cells, int ncells)
{
	FILE	   *f;
	bool		any = false;

	for (int i = 0; i < ncells; i++)
		for (int s = 0; s < N_SIDES; s++)
			any |= cells[i].side[s].n_timeline > 0;
	if (!any)
		return;
	f = fopen(path, "w");
	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "workload,commit,side,round,t_s,held,sent_per_s,consumed_per_s,depth,"
			"n_dead_tup,n_live_tup,heap_bytes,total_bytes\n");
	for (int i = 0; i < ncells; i++)
		for (int s = 0; s < N_SIDES; s++)
		{
			SideResult *r = &cells[i].side[s];

			for (int k = 0; k < r->n_timeline; k++)
			{
				TimePoint  *p = &r->timeline[k];

				fprintf(f, "%s,%s,%s,%d,%.3f,%d,%.2f,%.2f,%lld,%lld,%lld,%lld,%lld\n",
						cells[i].wl->name, commit_names[cells[i].commit], side_names[s],
						p->round + 1, p->t, p->held, p->sent_rate, p->cons_rate, p->depth,
						p->dead, p->live, p->heap_bytes, p->total_bytes);
			}
		}
	if (fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static void
print_summary(Cell *cells, int ncells)
{
	char		b[12][32];
	int			nw = 14;		/* width of the workload column */

	printf("\nSummary: %g s measured per run (after %g s warm-up), %d round(s), message %d bytes\n",
		   cfg.duration, cfg.warmup, cfg.rounds, cfg.msg_size);
	printf("ratio = ours / floor: above 1 ours is faster (throughput) or slower (latency)\n");
	printf("latencies in ms, per call (one prepared statement, autocommit)\n\n");
	for (int i = 0; i < ncells; i++)
		if ((int) strlen(cells[i].wl->name) > nw)
			nw = (int) strlen(cells[i].wl->name);
	printf("%-*s %-7s %-14s %10s %10s %6s | %7s %7s %7s | %7s %7s %7s | %6s\n",
		   nw, "workload", "commit", "op", "ours/s", "floor/s", "ratio",
		   "o.p50", "o.p95", "o.p99", "f.p50", "f.p95", "f.p99", "p50 r.");
	for (int i = 0; i < nw + 1 + 7 + 1 + 14 + 1 + 10 + 1 + 10 + 1 + 6 + 3 + 23 + 3 + 23 + 3 + 6; i++)
		putchar('-');
	putchar('\n');

	for (int i = 0; i < ncells; i++)
	{
		Cell	   *c = &cells[i];
		SideResult *o = &c->side[SIDE_OURS];
		SideResult *f = &c->side[SIDE_FLOOR];
		double		om,
					fm;

		if (!o->ran && !f->ran)
			continue;
		for (int op = 0; op < N_OPS; op++)
		{
			double		oc,
						fc,
						op50,
						fp50;

			if (o->calls[op] == 0 && f->calls[op] == 0)
				continue;
			oc = rate((double) o->calls[op], o->elapsed);
			fc = rate((double) f->calls[op], f->elapsed);
			op50 = samples_pct(&o->lat[op], 50);
			fp50 = samples_pct(&f->lat[op], 50);
			fmt_num(b[0], 32, oc, 1);
			fmt_num(b[1], 32, fc, 1);
			fmt_num(b[2], 32, ratio(oc, fc), 2);
			fmt_num(b[3], 32, op50, 3);
			fmt_num(b[4], 32, samples_pct(&o->lat[op], 95), 3);
			fmt_num(b[5], 32, samples_pct(&o->lat[op], 99), 3);
			fmt_num(b[6], 32, fp50, 3);
			fmt_num(b[7], 32, samples_pct(&f->lat[op], 95), 3);
			fmt_num(b[8], 32, samples_pct(&f->lat[op], 99), 3);
			fmt_num(b[9], 32, ratio(op50, fp50), 2);
			printf("%-*s %-7s %-14s %10s %10s %6s | %7s %7s %7s | %7s %7s %7s | %6s\n",
				   nw, c->wl->name, commit_names[c->commit], op_names[op],
				   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]);
		}
		om = rate((double) result_messages(c, o), o->elapsed);
		fm = rate((double) result_messages(c, f), f->elapsed);
		fmt_num(b[0], 32, om, 1);
		fmt_num(b[1], 32, fm, 1);
		fmt_num(b[2], 32, ratio(om, fm), 2);
		printf("%-*s %-7s %-14s %10s %10s %6s |%s%s%s\n",
			   nw, c->wl->name, commit_names[c->commit],
			   c->wl->kind == WK_SEND ? "= msgs sent" : "= msgs consumed",
			   b[0], b[1], b[2],
			   o->drained_runs || f->drained_runs ? " (queue emptied early)" : "",
			   o->errors || f->errors ? " ERRORS" : "",
			   o->depth_mismatches || f->depth_mismatches ? " DEPTH MISMATCH" : "");
	}

	/* compact view: message throughput per workload and commit mode */
	printf("\nMessages per second, ours / floor\n\n");
	printf("%-*s", nw, "workload");
	for (int m = 0; m < N_COMMITS; m++)
		if (cfg.commits[m])
			printf(" | %-8s %10s %10s %6s", commit_names[m], "ours", "floor", "ratio");
	printf("\n");
	for (int i = 0; i < ncells; i++)
	{
		if (cells[i].commit != COMMIT_DURABLE && cfg.commits[COMMIT_DURABLE])
			continue;
		if (!cells[i].side[SIDE_OURS].ran && !cells[i].side[SIDE_FLOOR].ran)
			continue;
		printf("%-*s", nw, cells[i].wl->name);
		for (int j = i; j < ncells && cells[j].wl == cells[i].wl; j++)
		{
			Cell	   *c = &cells[j];
			double		om = rate((double) result_messages(c, &c->side[SIDE_OURS]), c->side[SIDE_OURS].elapsed);
			double		fm = rate((double) result_messages(c, &c->side[SIDE_FLOOR]), c->side[SIDE_FLOOR].elapsed);

			fmt_num(b[0], 32, om, 0);
			fmt_num(b[1], 32, fm, 0);
			fmt_num(b[2], 32, ratio(om, fm), 2);
			printf(" | %-8s %10s %10s %6s", "", b[0], b[1], b[2]);
		}
		printf("\n");
	}

	/* head of queue: reads behind invisible/delayed messages vs the clean case */
	for (int m = 0; m < N_COMMITS; m++)
	{
		Cell	   *clean = NULL;
		bool		header = false;

		for (int i = 0; i < ncells; i++)
			if (cells[i].commit == (CommitMode) m &&
				(strcmp(cells[i].wl->name, "hol_clean") == 0 ||
				 (clean == NULL && strcmp(cells[i].wl->name, "read1") == 0)))
				clean = &cells[i];
		for (int i = 0; i < ncells; i++)
		{
			Cell	   *c = &cells[i];
			double		v[N_SIDES],
						base[N_SIDES];
			bool		comparable;

			if (c->commit != (CommitMode) m || c->wl->head == HEAD_NONE)
				continue;
			comparable = clean && clean->wl->consumers == c->wl->consumers &&
				clean->wl->read_batch == c->wl->read_batch;
			if (!header)
			{
				printf("\nHead of queue (%s): read+delete msgs/s behind %ld messages, vs the clean case%s\n",
					   commit_names[m], cfg.head,
					   clean ? "" : " (run read1 or hol_clean for the comparison)");
				header = true;
			}
			for (int s = 0; s < N_SIDES; s++)
			{
				v[s] = rate((double) result_messages(c, &c->side[s]), c->side[s].elapsed);
				base[s] = comparable ? rate((double) result_messages(clean, &clean->side[s]),
									   clean->side[s].elapsed) : NAN;
			}
			fmt_num(b[0], 32, v[SIDE_OURS], 1);
			fmt_num(b[1], 32, 100.0 * ratio(v[SIDE_OURS], base[SIDE_OURS]), 1);
			fmt_num(b[2], 32, v[SIDE_FLOOR], 1);
			fmt_num(b[3], 32, 100.0 * ratio(v[SIDE_FLOOR], base[SIDE_FLOOR]), 1);
			fmt_num(b[4], 32, ratio(v[SIDE_OURS], v[SIDE_FLOOR]), 2);
			printf("  %-*s ours %9s/s (%5s%% of %s)   floor %9s/s (%5s%% of %s)   ratio %s\n",
				   nw, c->wl->name, b[0], b[1], comparable ? clean->wl->name : "clean",
				   b[2], b[3], comparable ? clean->wl->name : "clean", b[4]);
		}
	}
	print_timelines(cells, ncells);
	printf("\n");
}

static void
csv_num(FILE *f, double v, int prec)
{
	if (!isnan(v))
		fprintf(f, "%.*f", prec, v);
}

/*
 * One row per workload, commit mode and operation (op "messages" is the
 * workload's message throughput), both sides side by side, then ratios.
 */
static void
write_csv(const char *path, Cell *cells, int ncells)
{
	FILE	   *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "workload,commit,op,producers,consumers,send_batch,read_batch,head,msg_size,"
			"duration_s,rounds");
	for (int s = 0; s < N_SIDES; s++)
		fprintf(f, ",%1$s_elapsed_s,%1$s_calls,%1$s_per_s,%1$s_p50_ms,%1$s_p95_ms,%1$s_p99_ms,"
				"%1$s_max_ms,%1$s_mean_ms,%1$s_errors,%1$s_drained", side_names[s]);
	fprintf(f, ",ratio_per_s,ratio_p50,ratio_p95,ratio_p99\n");

	for (int i = 0; i < ncells; i++)
	{
		Cell	   *c = &cells[i];

		if (!c->side[SIDE_OURS].ran && !c->side[SIDE_FLOOR].ran)
			continue;
		for (int op = -1; op < N_OPS; op++)
		{
			double		per_s[N_SIDES],
						pct[N_SIDES][3];

			if (op >= 0 && c->side[SIDE_OURS].calls[op] == 0 && c->side[SIDE_FLOOR].calls[op] == 0)
				continue;
			fprintf(f, "%s,%s,%s,%d,%d,%d,%d,%s,%d,%g,%d",
					c->wl->name, commit_names[c->commit], op < 0 ? "messages" : op_names[op],
					c->wl->producers, c->wl->consumers, c->wl->send_batch, c->wl->read_batch,
					head_names[c->wl->head], cfg.msg_size, window_for(c->wl), cfg.rounds);
			for (int s = 0; s < N_SIDES; s++)
			{
				SideResult *r = &c->side[s];
				uint64_t	calls = op < 0 ? result_messages(c, r) : r->calls[op];

				per_s[s] = rate((double) calls, r->elapsed);
				fprintf(f, ",%.3f,%" PRIu64 ",", r->elapsed, calls);
				csv_num(f, per_s[s], 2);
				for (int p = 0; p < 3; p++)
				{
					static const double pcts[3] = {50, 95, 99};

					pct[s][p] = op < 0 ? NAN : samples_pct(&r->lat[op], pcts[p]);
					fputc(',', f);
					csv_num(f, pct[s][p], 4);
				}
				fputc(',', f);
				csv_num(f, op < 0 ? NAN : samples_pct(&r->lat[op], 100), 4);
				fputc(',', f);
				csv_num(f, op < 0 ? NAN : samples_mean(&r->lat[op]), 4);
				fprintf(f, ",%" PRIu64 ",%d", r->errors, r->drained_runs > 0);
			}
			fputc(',', f);
			csv_num(f, ratio(per_s[SIDE_OURS], per_s[SIDE_FLOOR]), 4);
			for (int p = 0; p < 3; p++)
			{
				fputc(',', f);
				csv_num(f, ratio(pct[SIDE_OURS][p], pct[SIDE_FLOOR][p]), 4);
			}
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.4f", v);
}

static void
write_json(const char *path, Cell *cells, int ncells)
{
	FILE	   *f = fopen(path, "w");
	bool		first = true;
	time_t		t = time(NULL);
	char		stamp[64];

	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	fprintf(f, "{\n  \"generated_at\": \"%s\",\n  \"config\": {", stamp);
	fprintf(f, "\"duration_s\": %g, \"warmup_s\": %g, \"rounds\": %d, \"msg_size\": %d, "
			"\"fill\": %ld, \"fill_batch\": %ld, \"head\": %ld, \"vt\": %d, "
			"\"hold_s\": %g, \"after_hold_s\": %g, \"hold_fill\": %ld, \"queue\": ",
			cfg.duration, cfg.warmup, cfg.rounds, cfg.msg_size, cfg.fill, cfg.fill_batch,
			cfg.head, cfg.vt, cfg.hold, cfg.after_hold, cfg.hold_fill);
	json_str(f, cfg.queue);
	fprintf(f, ", \"queue_alter\": ");
	if (cfg.queue_alter)
		json_str(f, cfg.queue_alter);
	else
		fputs("null", f);
	fprintf(f, ", \"floor_alter\": ");
	if (cfg.floor_alter)
		json_str(f, cfg.floor_alter);
	else
		fputs("null", f);
	fprintf(f, "},\n  \"results\": [");
	for (int i = 0; i < ncells; i++)
	{
		Cell	   *c = &cells[i];
		double		msgs[N_SIDES];

		if (!c->side[SIDE_OURS].ran && !c->side[SIDE_FLOOR].ran)
			continue;
		fprintf(f, "%s\n    {\"workload\": ", first ? "" : ",");
		first = false;
		json_str(f, c->wl->name);
		fprintf(f, ", \"description\": ");
		json_str(f, c->wl->desc);
		fprintf(f, ", \"commit\": \"%s\", \"kind\": \"%s\", \"producers\": %d, \"consumers\": %d, "
				"\"send_batch\": %d, \"read_batch\": %d, \"head\": \"%s\"",
				commit_names[c->commit], kind_names[c->wl->kind], c->wl->producers,
				c->wl->consumers, c->wl->send_batch, c->wl->read_batch, head_names[c->wl->head]);
		for (int s = 0; s < N_SIDES; s++)
		{
			SideResult *r = &c->side[s];
			bool		firstop = true;

			msgs[s] = rate((double) result_messages(c, r), r->elapsed);
			fprintf(f, ",\n     \"%s\": {\"elapsed_s\": ", side_names[s]);
			json_num(f, r->elapsed);
			fprintf(f, ", \"sent\": %" PRIu64 ", \"consumed\": %" PRIu64 ", \"msgs_per_s\": ",
					r->produced, r->consumed);
			json_num(f, msgs[s]);
			fprintf(f, ", \"msgs_per_s_by_round\": [");
			for (int k = 0; k < r->runs; k++)
			{
				if (k)
					fputs(", ", f);
				json_num(f, r->run_rates[k]);
			}
			fprintf(f, "]");
			if (r->n_timeline > 0)
			{
				fprintf(f, ", \"timeline\": [");
				for (int k = 0; k < r->n_timeline; k++)
				{
					TimePoint  *p = &r->timeline[k];

					fprintf(f, "%s{\"round\": %d, \"t_s\": %.3f, \"held\": %s, \"sent_per_s\": ",
							k ? ", " : "", p->round + 1, p->t, p->held ? "true" : "false");
					json_num(f, p->sent_rate);
					fprintf(f, ", \"consumed_per_s\": ");
					json_num(f, p->cons_rate);
					fprintf(f, ", \"depth\": %lld, \"n_dead_tup\": %lld, \"n_live_tup\": %lld, "
							"\"heap_bytes\": %lld, \"total_bytes\": %lld}",
							p->depth, p->dead, p->live, p->heap_bytes, p->total_bytes);
				}
				fprintf(f, "]");
			}
			fprintf(f, ", \"empty_reads\": %" PRIu64 ", \"errors\": %" PRIu64
					", \"drained\": %s, \"depth_mismatch\": %s, \"first_error\": ",
					r->empty_reads, r->errors, r->drained_runs ? "true" : "false",
					r->depth_mismatches ? "true" : "false");
			if (r->first_error[0])
				json_str(f, r->first_error);
			else
				fputs("null", f);
			fprintf(f, ", \"ops\": {");
			for (int op = 0; op < N_OPS; op++)
			{
				if (r->calls[op] == 0)
					continue;
				fprintf(f, "%s\"%s\": {\"calls\": %" PRIu64 ", \"per_s\": ", firstop ? "" : ", ",
						op_names[op], r->calls[op]);
				firstop = false;
				json_num(f, rate((double) r->calls[op], r->elapsed));
				fprintf(f, ", \"p50_ms\": ");
				json_num(f, samples_pct(&r->lat[op], 50));
				fprintf(f, ", \"p95_ms\": ");
				json_num(f, samples_pct(&r->lat[op], 95));
				fprintf(f, ", \"p99_ms\": ");
				json_num(f, samples_pct(&r->lat[op], 99));
				fprintf(f, ", \"max_ms\": ");
				json_num(f, samples_pct(&r->lat[op], 100));
				fprintf(f, ", \"mean_ms\": ");
				json_num(f, samples_mean(&r->lat[op]));
				fputc('}', f);
			}
			fprintf(f, "}}");
		}
		fprintf(f, ",\n     \"ratio\": {\"msgs_per_s\": ");
		json_num(f, ratio(msgs[SIDE_OURS], msgs[SIDE_FLOOR]));
		for (int op = 0; op < N_OPS; op++)
		{
			SideResult *o = &c->side[SIDE_OURS];
			SideResult *fl = &c->side[SIDE_FLOOR];

			if (o->calls[op] == 0 || fl->calls[op] == 0)
				continue;
			fprintf(f, ", \"%s_per_s\": ", op_names[op]);
			json_num(f, ratio(rate((double) o->calls[op], o->elapsed),
							  rate((double) fl->calls[op], fl->elapsed)));
			fprintf(f, ", \"%s_p50\": ", op_names[op]);
			json_num(f, ratio(samples_pct(&o->lat[op], 50), samples_pct(&fl->lat[op], 50)));
			fprintf(f, ", \"%s_p99\": ", op_names[op]);
			json_num(f, ratio(samples_pct(&o->lat[op], 99), samples_pct(&fl->lat[op], 99)));
		}
		fprintf(f, "}}");
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

/* ------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------ */

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: pgmq_bench [OPTION]...\n"
			"\n"
			"Load driver for the pgmq extension.  Every workload runs twice from\n"
			"identically filled tables: \"ours\" calls the extension (pgmq.send, pgmq.read,\n"
			"...) through prepared statements; \"floor\" runs hand-written prepared SQL\n"
			"on a plain table shaped like pgmq.q_<queue> (schema bench_floor).  The\n"
			"order of the two sides alternates from one workload to the next.  The\n"
			"connected database gets the extension, queue --queue (dropped and\n"
			"re-created) and schema bench_floor (dropped and re-created).\n"
			"\n"
			"Connection:\n"
			"  --dsn STR            libpq connection string (default: \"\", i.e. PG* variables)\n"
			"\n"
			"What to run:\n"
			"  --workloads LIST     comma-separated workloads (default:\n"
			"                       %s)\n"
			"                       names: see --list; or KIND:CLIENTS[:BATCH[:HEAD]] with KIND\n"
			"                       send|read|pop|archive, HEAD invisible|delayed (read only),\n"
			"                       e.g. send:8:10 or read:2:50:delayed\n"
			"  --commit LIST        durable,async: run with synchronous_commit on, off,\n"
			"                       or both (default durable,async)\n"
			"  --duration SEC       measured seconds per run (default 5)\n"
			"  --warmup SEC         unmeasured seconds before each run (default 1)\n"
			"  --rounds N           run every ours/floor pair N times, from a fresh fill, in\n"
			"                       alternating order; results summed (default 2)\n"
			"  --msg-size BYTES     size of each message's JSON text (default 100, min 10)\n"
			"  --fill N             visible messages pre-filled for read, pop and archive\n"
			"                       workloads reading 1 at a time (default 250000)\n"
			"  --fill-batch N       the same for workloads reading more than 1 (default 600000)\n"
			"  --head N             invisible/delayed messages ahead of the visible ones in\n"
			"                       the hol_* workloads (default 50000)\n"
			"  --vt SEC             visibility timeout of reads (default 30)\n"
			"  --producers N        producers of the \"mixed\" workload (default 2)\n"
			"  --consumers N        consumers of the \"mixed\" workload (default 2)\n"
			"  --send-batch N       messages per send in \"mixed\" (default 1; >1 uses send_batch)\n"
			"  --read-batch N       messages per read in \"mixed\" (default 1; >1 deletes by array)\n"
			"                       (--producers .. --read-batch apply to \"held_xmin\" too)\n"
			"  --hold-seconds SEC   held_xmin: a REPEATABLE READ snapshot is held for the first\n"
			"                       SEC measured seconds of each run (default 60)\n"
			"  --after-hold SEC     held_xmin: measured seconds after its release (default 0)\n"
			"  --hold-fill N        held_xmin: visible messages pre-filled (default 10000; so\n"
			"                       that both sides plan on a table with pages and statistics:\n"
			"                       a truncated, vacuumed table is planned as empty)\n"
			"  --queue-alter STR    run ALTER TABLE pgmq.q_<queue> STR after creating it, e.g.\n"
			"                       'RESET (fillfactor)' or 'SET (fillfactor = 70)'\n"
			"  --floor-alter STR    the same for the floor's table\n"
			"  --queue NAME         queue name, [a-z0-9_] (default bench)\n"
			"  --no-checkpoint      do not CHECKPOINT before each timed window\n"
			"  --no-progress        no progress line every second\n"
			"\n"
			"Output:\n"
			"  --csv FILE           write results as CSV (one row per workload/commit/op)\n"
			"  --json FILE          write results as JSON\n"
			"  --timeline-csv FILE  write the per-second timelines of mixed and held_xmin\n"
			"                       (rates, depth, dead tuples, table size) as CSV\n"
			"  --list               list the named workloads and exit\n"
			"  --help               show this help and exit\n"
			"\n"
			"A read workload stops measuring early if its queue runs empty; the summary\n"
			"says so.  Exit status: 0 when every run finished without errors, 1 when a\n"
			"run had errors or a queue-depth mismatch, 2 on setup failures.\n",
			default_workloads);
}

static void
list_workloads(void)
{
	for (int i = 0; i < N_PRESETS; i++)
		printf("%-14s %s\n", presets[i].name, presets[i].desc);
}

static long
parse_long(const char *opt, const char *s, long min)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min)
		die("%s: expected an integer >= %ld, got \"%s\"", opt, min, s);
	return v;
}

static double
parse_double(const char *opt, const char *s, double min)
{
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min))
		die("%s: expected a number >= %g, got \"%s\"", opt, min, s);
	return v;
}

/* A workload from a name or a KIND:CLIENTS[:BATCH[:HEAD]] spec. */
static Workload
parse_workload(const char *spec)
{
	Workload	w;
	char	   *copy,
			   *kind,
			   *tok;
	int			clients,
				batch = 1;
	HeadKind	head = HEAD_NONE;

	for (int i = 0; i < N_PRESETS; i++)
		if (strcmp(spec, presets[i].name) == 0)
		{
			w = presets[i];
			if (kind_is_mixed(w.kind))
			{
				w.producers = cfg.producers;
				w.consumers = cfg.consumers;
				w.send_batch = cfg.send_batch;
				w.read_batch = cfg.read_batch;
			}
			return w;
		}
	if (strchr(spec, ':') == NULL)
		die("unknown workload \"%s\" (see --list)", spec);

	memset(&w, 0, sizeof(w));
	copy = strdup(spec);
	if (copy == NULL)
		die("out of memory");
	kind = strtok(copy, ":");
	tok = strtok(NULL, ":");
	if (kind == NULL || tok == NULL)
		die("workload \"%s\": expected KIND:CLIENTS[:BATCH[:HEAD]]", spec);
	clients = (int) parse_long("workload clients", tok, 1);
	if ((tok = strtok(NULL, ":")) != NULL)
		batch = (int) parse_long("workload batch", tok, 1);
	if ((tok = strtok(NULL, ":")) != NULL)
	{
		if (strcmp(tok, "invisible") == 0)
			head = HEAD_INVISIBLE;
		else if (strcmp(tok, "delayed") == 0)
			head = HEAD_DELAYED;
		else
			die("workload \"%s\": head must be invisible or delayed", spec);
	}
	if (strtok(NULL, ":") != NULL)
		die("workload \"%s\": too many fields", spec);

	if (strcmp(kind, "send") == 0)
	{
		w.kind = WK_SEND;
		w.producers = clients;
		w.send_batch = batch;
	}
	else if (strcmp(kind, "read") == 0 || strcmp(kind, "pop") == 0 ||
			 strcmp(kind, "archive") == 0)
	{
		w.kind = kind[0] == 'r' ? WK_READ_DELETE : kind[0] == 'p' ? WK_POP : WK_READ_ARCHIVE;
		w.consumers = clients;
		w.read_batch = batch;
		w.fill = true;
	}
	else
		die("workload \"%s\": unknown kind \"%s\"", spec, kind);
	if (head != HEAD_NONE && w.kind != WK_READ_DELETE)
		die("workload \"%s\": a head applies to read workloads only", spec);
	w.head = head;
	snprintf(w.name, sizeof(w.name), "%s", spec);
	snprintf(w.desc, sizeof(w.desc), "custom: %s, %d client(s), batch %d%s%s", kind,
			 clients, batch, head ? ", head " : "", head ? head_names[head] : "");
	free(copy);
	return w;
}

static void
parse_args(int argc, char **argv)
{
	enum
	{
		O_DSN = 256, O_DURATION, O_WARMUP, O_WORKLOADS, O_COMMIT, O_MSG_SIZE, O_FILL,
		O_FILL_BATCH, O_HEAD, O_VT, O_PRODUCERS, O_CONSUMERS, O_SEND_BATCH,
		O_READ_BATCH, O_ROUNDS, O_QUEUE, O_CSV, O_JSON, O_NO_CHECKPOINT,
		O_HOLD, O_AFTER_HOLD, O_HOLD_FILL, O_QUEUE_ALTER, O_FLOOR_ALTER, O_TIMELINE_CSV,
		O_NO_PROGRESS, O_LIST, O_HELP
	};
	static const struct option opts[] = {
		{"dsn", required_argument, NULL, O_DSN},
		{"duration", required_argument, NULL, O_DURATION},
		{"warmup", required_argument, NULL, O_WARMUP},
		{"workloads", required_argument, NULL, O_WORKLOADS},
		{"commit", required_argument, NULL, O_COMMIT},
		{"msg-size", required_argument, NULL, O_MSG_SIZE},
		{"fill", required_argument, NULL, O_FILL},
		{"fill-batch", required_argument, NULL, O_FILL_BATCH},
		{"head", required_argument, NULL, O_HEAD},
		{"vt", required_argument, NULL, O_VT},
		{"producers", required_argument, NULL, O_PRODUCERS},
		{"consumers", required_argument, NULL, O_CONSUMERS},
		{"send-batch", required_argument, NULL, O_SEND_BATCH},
		{"read-batch", required_argument, NULL, O_READ_BATCH},
		{"rounds", required_argument, NULL, O_ROUNDS},
		{"queue", required_argument, NULL, O_QUEUE},
		{"csv", required_argument, NULL, O_CSV},
		{"json", required_argument, NULL, O_JSON},
		{"no-checkpoint", no_argument, NULL, O_NO_CHECKPOINT},
		{"hold-seconds", required_argument, NULL, O_HOLD},
		{"after-hold", required_argument, NULL, O_AFTER_HOLD},
		{"hold-fill", required_argument, NULL, O_HOLD_FILL},
		{"queue-alter", required_argument, NULL, O_QUEUE_ALTER},
		{"floor-alter", required_argument, NULL, O_FLOOR_ALTER},
		{"timeline-csv", required_argument, NULL, O_TIMELINE_CSV},
		{"no-progress", no_argument, NULL, O_NO_PROGRESS},
		{"list", no_argument, NULL, O_LIST},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0}
	};
	const char *workloads = default_workloads;
	const char *commits = "durable,async";
	char	   *copy,
			   *tok,
			   *save;
	int			c;

	cfg.dsn = "";
	cfg.duration = 5;
	cfg.warmup = 1;
	cfg.msg_size = 100;
	cfg.fill = 250000;
	cfg.fill_batch = 600000;
	cfg.head = 50000;
	cfg.vt = 30;
	cfg.producers = 2;
	cfg.consumers = 2;
	cfg.send_batch = 1;
	cfg.read_batch = 1;
	cfg.rounds = 2;
	cfg.hold = 60;
	cfg.after_hold = 0;
	cfg.hold_fill = 10000;
	cfg.checkpoint = true;
	cfg.progress = true;
	cfg.queue = "bench";

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
	{
		switch (c)
		{
			case O_DSN:
				cfg.dsn = optarg;
				break;
			case O_DURATION:
				cfg.duration = parse_double("--duration", optarg, 0.1);
				break;
			case O_WARMUP:
				cfg.warmup = parse_double("--warmup", optarg, 0);
				break;
			case O_WORKLOADS:
				workloads = optarg;
				break;
			case O_COMMIT:
				commits = optarg;
				break;
			case O_MSG_SIZE:
				cfg.msg_size = (int) parse_long("--msg-size", optarg, 10);
				break;
			case O_FILL:
				cfg.fill = parse_long("--fill", optarg, 1);
				break;
			case O_FILL_BATCH:
				cfg.fill_batch = parse_long("--fill-batch", optarg, 1);
				break;
			case O_HEAD:
				cfg.head = parse_long("--head", optarg, 0);
				break;
			case O_VT:
				cfg.vt = (int) parse_long("--vt", optarg, 1);
				break;
			case O_PRODUCERS:
				cfg.producers = (int) parse_long("--producers", optarg, 0);
				break;
			case O_CONSUMERS:
				cfg.consumers = (int) parse_long("--consumers", optarg, 0);
				break;
			case O_SEND_BATCH:
				cfg.send_batch = (int) parse_long("--send-batch", optarg, 1);
				break;
			case O_READ_BATCH:
				cfg.read_batch = (int) parse_long("--read-batch", optarg, 1);
				break;
			case O_ROUNDS:
				cfg.rounds = (int) parse_long("--rounds", optarg, 1);
				break;
			case O_QUEUE:
				cfg.queue = optarg;
				break;
			case O_CSV:
				cfg.csv_path = optarg;
				break;
			case O_JSON:
				cfg.json_path = optarg;
				break;
			case O_NO_CHECKPOINT:
				cfg.checkpoint = false;
				break;
			case O_HOLD:
				cfg.hold = parse_double("--hold-seconds", optarg, 1);
				break;
			case O_AFTER_HOLD:
				cfg.after_hold = parse_double("--after-hold", optarg, 0);
				break;
			case O_HOLD_FILL:
				cfg.hold_fill = parse_long("--hold-fill", optarg, 0);
				break;
			case O_QUEUE_ALTER:
				cfg.queue_alter = optarg;
				break;
			case O_FLOOR_ALTER:
				cfg.floor_alter = optarg;
				break;
			case O_TIMELINE_CSV:
				cfg.timeline_path = optarg;
				break;
			case O_NO_PROGRESS:
				cfg.progress = false;
				break;
			case O_LIST:
				list_workloads();
				exit(0);
			case O_HELP:
				usage(stdout);
				exit(0);
			default:
				usage(stderr);
				exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument \"%s\" (see --help)", argv[optind]);

	if (cfg.queue[0] == '\0' || strlen(cfg.queue) > 40)
		die("--queue: 1 to 40 characters");
	for (const char *p = cfg.queue; *p; p++)
		if (!(islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '_'))
			die("--queue: only a-z, 0-9 and _ are allowed");
	if (cfg.producers + cfg.consumers == 0)
		die("--producers and --consumers are both 0");

	copy = strdup(commits);
	if (copy == NULL)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		if (strcmp(tok, "durable") == 0 || strcmp(tok, "on") == 0)
			cfg.commits[COMMIT_DURABLE] = true;
		else if (strcmp(tok, "async") == 0 || strcmp(tok, "off") == 0)
			cfg.commits[COMMIT_ASYNC] = true;
		else
			die("--commit: unknown mode \"%s\" (durable or async)", tok);
	}
	free(copy);
	if (!cfg.commits[COMMIT_DURABLE] && !cfg.commits[COMMIT_ASYNC])
		die("--commit: no mode given");

	copy = strdup(workloads);
	if (copy == NULL)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		cfg.workloads = xrealloc(cfg.workloads, (size_t) (cfg.n_workloads + 1) * sizeof(Workload));
		cfg.workloads[cfg.n_workloads++] = parse_workload(tok);
	}
	free(copy);
	if (cfg.n_workloads == 0)
		die("--workloads: nothing to run");
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	PGconn	   *ctl;
	Cell	   *cells;
	int			ncells = 0;
	int			pair = 0;
	int			status = 0;
	struct sigaction sa;

	parse_args(argc, argv);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	snprintf(ours_qtable, sizeof(ours_qtable), "pgmq.q_%s", cfg.queue);
	snprintf(ours_atable, sizeof(ours_atable), "pgmq.a_%s", cfg.queue);
	snprintf(floor_qtable, sizeof(floor_qtable), "bench_floor.q_%s", cfg.queue);
	snprintf(floor_atable, sizeof(floor_atable), "bench_floor.a_%s", cfg.queue);
	payload = make_payload(cfg.msg_size);
	ctl = connect_or_die();
	setup_schema(ctl);
	printf("pgmq_bench: server %d, %d workload(s), %g s each side (+%g s warm-up), message %d bytes\n",
		   PQserverVersion(ctl), cfg.n_workloads, cfg.duration, cfg.warmup, cfg.msg_size);
	fflush(stdout);

	cells = calloc((size_t) cfg.n_workloads * N_COMMITS, sizeof(Cell));
	if (cells == NULL)
		die("out of memory");

	for (int i = 0; i < cfg.n_workloads && !interrupted; i++)
	{
		const Workload *wl = &cfg.workloads[i];

		/* statements and batch literal for this workload's batch sizes */
		build_statements(wl->read_batch);
		free(batch_literal);
		batch_literal = make_batch_literal(wl->send_batch > 1 ? wl->send_batch : 1);

		printf("\n%s: %s\n", wl->name, wl->desc);
		for (int m = 0; m < N_COMMITS && !interrupted; m++)
		{
			Cell	   *cell;

			if (!cfg.commits[m])
				continue;
			cell = &cells[ncells++];
			cell->wl = wl;
			cell->commit = (CommitMode) m;
			for (int round = 0; round < cfg.rounds && !interrupted; round++, pair++)
			{
				long		visible = fill_for(wl);
				long long	depth0 = visible + (wl->head != HEAD_NONE ? cfg.head : 0);

				prepare_tables(ctl, wl->head, visible);
				for (int k = 0; k < N_SIDES && !interrupted; k++)
				{
					/* alternate which side goes first */
					Side		side = (Side) ((k + pair) % N_SIDES);

					/* held_xmin: each side from an empty, vacuumed table */
					if (wl->kind == WK_HELD_XMIN && k > 0)
						prepare_tables(ctl, wl->head, visible);
					run_side(ctl, wl, (CommitMode) m, side, depth0, round, &cell->side[side]);
				}
			}
		}
	}
	if (interrupted)
		printf("\ninterrupted: reporting what completed\n");

	print_summary(cells, ncells);
	if (cfg.csv_path)
		write_csv(cfg.csv_path, cells, ncells);
	if (cfg.json_path)
		write_json(cfg.json_path, cells, ncells);
	if (cfg.timeline_path)
		write_timeline_csv(cfg.timeline_path, cells, ncells);

	for (int i = 0; i < ncells; i++)
		for (int s = 0; s < N_SIDES; s++)
		{
			if (cells[i].side[s].errors || cells[i].side[s].depth_mismatches)
				status = 1;
			for (int op = 0; op < N_OPS; op++)
				free(cells[i].side[s].lat[op].v);
			free(cells[i].side[s].run_rates);
			free(cells[i].side[s].timeline);
		}
	free(cells);
	PQfinish(ctl);
	return interrupted ? 130 : status;
}
