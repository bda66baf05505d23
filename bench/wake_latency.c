/*-------------------------------------------------------------------------
 *
 * wake_latency.c
 *	  Measure how long a message takes to reach a reader that is already
 *	  waiting for it in pgmq.read_with_poll.
 *
 * One process, one event loop, all connections non-blocking (libpq async
 * API + poll()), so every timestamp comes from one clock:
 *
 *	- W waiters per queue, Q queues: each waiter runs
 *	  SELECT msg_id FROM pgmq.read_with_poll(q, 30, 1, max_poll, interval)
 *	  (or read_grouped_with_poll), deletes what it got, and waits again.
 *	- One sender: --gap ms plus a random 0..--jitter ms after the previous
 *	  message arrived (so sends do not fall in step with a polling
 *	  reader's schedule), once the next queue's waiters have all been
 *	  waiting for at least --settle ms, it notes t0 and runs
 *	  SELECT pgmq.send(q, ...) in autocommit.
 *	- Two latencies per message, both ending when the first waiter has the
 *	  message in hand:
 *	  "from commit" starts when the sender's reply to its autocommitted
 *	  send arrives (the commit is done just before the server sends that
 *	  reply; it is negative when the waiter's result arrived first);
 *	  "from send" starts before the send is issued, so it also counts the
 *	  send's own execution and its commit (WAL flush) -- an upper bound.
 *
 * Prints one line per run: mode, queues, waiters, messages, p50/p95/p99/
 * max of both latencies in ms; with --csv it also appends a CSV row.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  bench/wake_latency.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

typedef struct Conn
{
	PGconn	   *pg;
	int			queue;			/* queue index (waiters) or -1 (sender) */
	bool		busy;			/* a query is in flight */
	bool		deleting;		/* that query deletes the message just read */
	double		since;			/* when the current query was sent */
} Conn;

static const char *dsn = "";
static int	nqueues = 1;
static int	nwaiters = 1;
static int	nmessages = 200;
static int	gap_ms = 10;
static int	settle_ms = 20;
static int	poll_interval_ms = 100;
static int	jitter_ms = 100;
static const char *read_fn = "read_with_poll";
static const char *csv_path = NULL;
static const char *label = NULL;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
die(const char *what, PGconn *pg)
{
	fprintf(stderr, "wake_latency: %s%s%s\n", what, pg ? ": " : "",
			pg ? PQerrorMessage(pg) : "");
	exit(1);
}

static PGconn *
connect_one(void)
{
	PGconn	   *pg = PQconnectdb(dsn);

	if (PQstatus(pg) != CONNECTION_OK)
		die("connection failed", pg);
	return pg;
}

static void
exec_ok(PGconn *pg, const char *sql)
{
	PGresult   *res = PQexec(pg, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		PQresultStatus(res) != PGRES_TUPLES_OK)
		die(sql, pg);
	PQclear(res);
}

static void
queue_name(char *buf, size_t len, int q)
{
	snprintf(buf, len, "wake_bench_%d", q);
}

static void
start_wait(Conn *c)
{
	char		qname[64];
	char		maxpoll[16];
	char		interval[16];
	const char *params[3] = {qname, maxpoll, interval};
	char		sql[128];

	queue_name(qname, sizeof(qname), c->queue);
	snprintf(maxpoll, sizeof(maxpoll), "%d", 30);
	snprintf(interval, sizeof(interval), "%d", poll_interval_ms);
	snprintf(sql, sizeof(sql),
			 "SELECT msg_id FROM pgmq.%s($1, 30, 1, $2::int, $3::int)", read_fn);
	if (!PQsendQueryParams(c->pg, sql, 3, NULL, params, NULL, NULL, 0))
		die("sending read_with_poll", c->pg);
	c->busy = true;
	c->deleting = false;
	c->since = now_ms();
}

/* acknowledge a message, so that queues do not fill up with read rows */
static void
start_delete(Conn *c, long long id)
{
	char		qname[64];
	char		idtext[32];
	const char *params[2] = {qname, idtext};

	queue_name(qname, sizeof(qname), c->queue);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	if (!PQsendQueryParams(c->pg, "SELECT pgmq.delete($1, $2::bigint)::int",
						   2, NULL, params, NULL, NULL, 0))
		die("sending delete", c->pg);
	c->busy = true;
	c->deleting = true;
}

/*
 * Collect a finished query's result; returns the msg_id read, 0 for none,
 * -1 while still busy.
 */
static long long
finish(Conn *c)
{
	PGresult   *res;
	long long	id = 0;

	if (!PQconsumeInput(c->pg))
		die("reading from server", c->pg);
	if (PQisBusy(c->pg))
		return -1;
	while ((res = PQgetResult(c->pg)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die("query failed", c->pg);
		if (PQntuples(res) > 0)
			id = atoll(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	c->busy = false;
	return id;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
pct(const double *sorted, int n, double p)
{
	int			i = (int) (p * (n - 1) + 0.5);

	return sorted[i];
}

static void
usage(void)
{
	printf("usage: wake_latency --dsn CONNINFO [options]\n"
		   "  --queues N         queues (default 1)\n"
		   "  --waiters N        waiting readers per queue (default 1)\n"
		   "  --messages N       messages to time (default 200)\n"
		   "  --gap MS           pause between sends (default 10)\n"
		   "  --settle MS        a queue's waiters must have waited this long (default 20)\n"
		   "  --jitter MS        random extra pause between sends, 0..MS (default 100)\n"
		   "  --poll-interval MS read_with_poll's poll_interval_ms (default 100)\n"
		   "  --grouped          wait in read_grouped_with_poll instead of read_with_poll\n"
		   "  --label TEXT       mode label for the output (default: pgmq.wakeup_mode())\n"
		   "  --csv FILE         append a CSV row to FILE\n");
}

int
main(int argc, char **argv)
{
	static struct option opts[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"queues", required_argument, NULL, 'q'},
		{"waiters", required_argument, NULL, 'w'},
		{"messages", required_argument, NULL, 'm'},
		{"gap", required_argument, NULL, 'g'},
		{"settle", required_argument, NULL, 's'},
		{"jitter", required_argument, NULL, 'j'},
		{"poll-interval", required_argument, NULL, 'i'},
		{"label", required_argument, NULL, 'l'},
		{"grouped", no_argument, NULL, 'G'},
		{"csv", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			opt;
	int			nconns;
	Conn	   *conns;
	Conn		sender = {0};
	struct pollfd *pfds;
	double	   *sent_at;		/* by message number: send issued */
	double	   *ack_at;			/* sender's reply received */
	double	   *recv_at;		/* a waiter had it */
	double	   *from_commit;
	double	   *from_send;
	int			nlat = 0;
	int			nsent = 0;
	double		next_send;
	char		mode[32];
	int			i;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'd': dsn = optarg; break;
			case 'q': nqueues = atoi(optarg); break;
			case 'w': nwaiters = atoi(optarg); break;
			case 'm': nmessages = atoi(optarg); break;
			case 'g': gap_ms = atoi(optarg); break;
			case 's': settle_ms = atoi(optarg); break;
			case 'j': jitter_ms = atoi(optarg); break;
			case 'i': poll_interval_ms = atoi(optarg); break;
			case 'l': label = optarg; break;
			case 'G': read_fn = "read_grouped_with_poll"; break;
			case 'c': csv_path = optarg; break;
			case 'h': usage(); return 0;
			default: usage(); return 2;
		}
	}
	srand((unsigned) time(NULL));
	if (nqueues < 1 || nwaiters < 1 || nmessages < 1 || jitter_ms < 0)
	{
		usage();
		return 2;
	}

	/* set-up: fresh, empty queues */
	sender.pg = connect_one();
	sender.queue = -1;
	for (i = 0; i < nqueues; i++)
	{
		char		sql[256];
		char		qname[64];

		queue_name(qname, sizeof(qname), i);
		snprintf(sql, sizeof(sql),
				 "SELECT pgmq.create('%s'); SELECT pgmq.purge_queue('%s')", qname, qname);
		exec_ok(sender.pg, sql);
	}
	{
		PGresult   *res = PQexec(sender.pg, "SELECT pgmq.wakeup_mode()");

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die("wakeup_mode()", sender.pg);
		snprintf(mode, sizeof(mode), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}

	nconns = nqueues * nwaiters;
	conns = calloc(nconns, sizeof(Conn));
	pfds = calloc(nconns + 1, sizeof(struct pollfd));
	sent_at = calloc(nmessages, sizeof(double));
	ack_at = calloc(nmessages, sizeof(double));
	recv_at = calloc(nmessages, sizeof(double));
	from_commit = calloc(nmessages, sizeof(double));
	from_send = calloc(nmessages, sizeof(double));
	if (!conns || !pfds || !sent_at || !ack_at || !recv_at || !from_commit || !from_send)
		die("out of memory", NULL);
	for (i = 0; i < nconns; i++)
	{
		conns[i].pg = connect_one();
		conns[i].queue = i % nqueues;
		start_wait(&conns[i]);
	}
	next_send = now_ms() + 500;	/* let everybody start waiting */

	while (nlat < nmessages)
	{
		double		t = now_ms();
		int			timeout;

		/* send the next message once the previous one has arrived */
		bool		want_send = !sender.busy && nlat == nsent && nsent < nmessages;

		if (want_send && t >= next_send)
		{
			int			q = nsent % nqueues;
			bool		settled = true;

			for (i = q; i < nconns; i += nqueues)
				if (!conns[i].busy || t - conns[i].since < settle_ms)
					settled = false;
			if (settled)
			{
				char		qname[64];
				char		group[64];
				const char *params[2] = {qname, group};

				queue_name(qname, sizeof(qname), q);
				/* grouped: every message its own group (no deletes here) */
				snprintf(group, sizeof(group), "{\"x-pgmq-group\": \"m%d\"}", nsent);
				sent_at[nsent] = now_ms();
				if (!PQsendQueryParams(sender.pg,
									   "SELECT pgmq.send($1, '{\"bench\": true}'::jsonb, $2::jsonb)",
									   2, NULL, params, NULL, NULL, 0))
					die("sending send", sender.pg);
				sender.busy = true;
				nsent++;
				want_send = false;
			}
		}

		for (i = 0; i < nconns; i++)
		{
			pfds[i].fd = PQsocket(conns[i].pg);
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
		}
		pfds[nconns].fd = sender.busy ? PQsocket(sender.pg) : -1;
		pfds[nconns].events = POLLIN;
		pfds[nconns].revents = 0;
		/* wake up every ms only while a send is due */
		timeout = want_send ? 1 : -1;
		if (poll(pfds, nconns + 1, timeout) < 0 && errno != EINTR)
			die("poll failed", NULL);

		if (sender.busy && pfds[nconns].revents && finish(&sender) >= 0)
			ack_at[nsent - 1] = now_ms();
		for (i = 0; i < nconns; i++)
		{
			long long	id;
			bool		was_delete = conns[i].deleting;

			if (!pfds[i].revents)
				continue;
			id = finish(&conns[i]);
			if (id < 0)
				continue;
			if (id > 0 && !was_delete)
			{
				recv_at[nlat++] = now_ms();
				next_send = now_ms() + gap_ms +
					(jitter_ms > 0 ? rand() % (jitter_ms + 1) : 0);
				start_delete(&conns[i], id);
			}
			else
				start_wait(&conns[i]);
		}
	}

	/* the last waiter may have beaten the sender's own reply */
	if (sender.busy)
	{
		PGresult   *res;

		while ((res = PQgetResult(sender.pg)) != NULL)
			PQclear(res);
		ack_at[nsent - 1] = now_ms();
	}
	for (i = 0; i < nlat; i++)
	{
		from_commit[i] = recv_at[i] - ack_at[i];
		from_send[i] = recv_at[i] - sent_at[i];
	}
	qsort(from_commit, nlat, sizeof(double), cmp_double);
	qsort(from_send, nlat, sizeof(double), cmp_double);
	printf("mode=%s fn=%s queues=%d waiters/queue=%d messages=%d\n"
		   "  from commit: p50=%.3f p95=%.3f p99=%.3f max=%.3f ms\n"
		   "  from send:   p50=%.3f p95=%.3f p99=%.3f max=%.3f ms\n",
		   label ? label : mode, read_fn, nqueues, nwaiters, nlat,
		   pct(from_commit, nlat, 0.50), pct(from_commit, nlat, 0.95),
		   pct(from_commit, nlat, 0.99), from_commit[nlat - 1],
		   pct(from_send, nlat, 0.50), pct(from_send, nlat, 0.95),
		   pct(from_send, nlat, 0.99), from_send[nlat - 1]);
	if (csv_path)
	{
		FILE	   *f = fopen(csv_path, "a");

		if (!f)
			die("cannot open CSV file", NULL);
		fprintf(f, "%s,%s,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
				label ? label : mode, read_fn, nqueues, nwaiters, nlat,
				pct(from_commit, nlat, 0.50), pct(from_commit, nlat, 0.95),
				pct(from_commit, nlat, 0.99), from_commit[nlat - 1],
				pct(from_send, nlat, 0.50), pct(from_send, nlat, 0.95),
				pct(from_send, nlat, 0.99), from_send[nlat - 1]);
		fclose(f);
	}

	for (i = 0; i < nconns; i++)
		PQfinish(conns[i].pg);	/* ends their waits */
	PQfinish(sender.pg);
	free(conns);
	free(pfds);
	free(sent_at);
	free(ack_at);
	free(recv_at);
	free(from_commit);
	free(from_send);
	return 0;
}
