/*-------------------------------------------------------------------------
 *
 * grouped.c
 *	  FIFO message groups: read_grouped, read_grouped_rr, read_grouped_head
 *	  (and their *_with_poll variants), create_fifo_index and
 *	  create_fifo_indexes_all.
 *
 * A message's group is its "x-pgmq-group" header (missing or JSON null:
 * the default group).  Within a group messages are handed out strictly in
 * msg_id order: a group is available only while its head (lowest msg_id)
 * is visible, and only the run of visible messages from the head up to the
 * first invisible one may be taken.  (PGMQ checks only predecessors of the
 * first *visible* message, so a visible message can overtake an earlier
 * one that is in flight; we do not.)
 *
 * Concurrency: a reader takes a group by locking its head row with
 * FOR UPDATE SKIP LOCKED; a group whose head another grouped reader holds
 * is skipped, and once that reader commits the head is invisible (its vt
 * moved), so two grouped readers never get messages of one group at once.
 *
 * Speed: PGMQ aggregates over the whole queue on every grouped read.  With
 * the FIFO index (create_fifo_index: a btree on (group, msg_id)) we find
 * the heads with a loose index scan (one index descent per group) and each
 * taken group's run with one index range scan, so the cost depends on the
 * number of groups and messages returned, not on the queue's length.
 * Without the index a read makes one pass over the queue for the heads and
 * one per group it takes from.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/grouped.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "pgmq.h"

typedef enum GroupedMode
{
	GROUPED_FILL,				/* read_grouped: oldest group first, drained */
	GROUPED_RR,					/* read_grouped_rr: layered round-robin */
	GROUPED_HEAD				/* read_grouped_head: one head per group */
} GroupedMode;

typedef struct GroupedArgs
{
	GroupedMode mode;
	int32		vt;
	bool		qty_null;
	int64		qty;
} GroupedArgs;

/* a growing list of message ids */
typedef struct IdList
{
	int64	   *ids;
	int			n;
	int			size;
} IdList;

static void
idlist_add(IdList *l, int64 id)
{
	if (l->n == l->size)
	{
		l->size = l->size == 0 ? 16 : l->size * 2;
		l->ids = l->ids ? repalloc(l->ids, sizeof(int64) * l->size)
			: palloc(sizeof(int64) * l->size);
	}
	l->ids[l->n++] = id;
}

static Datum
int8_array(const int64 *ids, int n)
{
	return PointerGetDatum(construct_array((Datum *) ids, n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * The visible run of a group from its head: up to limit messages, stopping
 * at the first invisible one.
 */
static void
group_run(PgmqQueue *queue, Datum grp, int64 head, int64 limit,
		  TimestampTz now, IdList *run)
{
	ParamListInfo params = makeParamList(3);
	uint64		n;
	uint64		i;

	pgmq_param(params, 0, TEXTOID, grp, false);
	pgmq_param(params, 1, INT8OID, Int64GetDatum(head), false);
	pgmq_param(params, 2, INT8OID, Int64GetDatum(limit), false);
	n = pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_GRP_PREFIX), params, 0);
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		g = SPI_getbinval(tup, desc, 1, &isnull);
		TimestampTz vt;

		if (isnull || !DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, g, grp)))
			break;				/* the next group */
		vt = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
		if (isnull || vt > now)
			break;
		idlist_add(run, DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull)));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* lock a group's head unless another transaction holds it (or it moved) */
static bool
take_group(PgmqQueue *queue, int64 head, TimestampTz now)
{
	ParamListInfo params = makeParamList(2);
	uint64		n;

	pgmq_param(params, 0, INT8OID, Int64GetDatum(head), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	n = pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_GRP_LOCK), params, 1);
	SPI_freetuptable(SPI_tuptable);
	return n > 0;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Lock the selected messages of every taken group (the first take[g] of
 * runs[g]) and cut each group's selection at the first message another
 * transaction holds: a plain read may have taken a message from the middle
 * of a group, and what follows it must not overtake it.  One statement for
 * all groups.
 */
static void
lock_selection(PgmqQueue *queue, IdList *runs, int *take, int nruns, TimestampTz now)
{
	IdList		all = {0};
	ParamListInfo params;
	int64	   *locked;
	uint64		n;
	uint64		i;
	int			g;

	for (g = 0; g < nruns; g++)
	{
		int			k;

		for (k = 1; k < take[g]; k++)	/* heads are locked already */
			idlist_add(&all, runs[g].ids[k]);
	}
	if (all.n == 0)
		return;

	params = makeParamList(2);
	pgmq_param(params, 0, INT8ARRAYOID, int8_array(all.ids, all.n), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	n = pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_GRP_LOCK_RUN), params, 0);
	locked = palloc(sizeof(int64) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		locked[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);

	for (g = 0; g < nruns; g++)
	{
		int			k;

		for (k = 1; k < take[g]; k++)
			if (n == 0 || bsearch(&runs[g].ids[k], locked, n, sizeof(int64), cmp_int64) == NULL)
				break;
		take[g] = k;
	}
}

/* a group whose head is visible: a candidate for this read */
typedef struct GroupCand
{
	Datum		grp;
	int64		head;
	IdList		run;			/* its visible run, when read in advance */
	bool		run_ended;		/* an invisible message ended the run */
} GroupCand;

static int
cmp_cand_head(const void *a, const void *b)
{
	int64		x = ((const GroupCand *) a)->head;
	int64		y = ((const GroupCand *) b)->head;

	return (x > y) - (x < y);
}

/*
 * The groups whose head is visible, oldest head first.  With the FIFO
 * index, just the heads (runs are read per taken group); without it, one
 * pass over the queue that also gives each group's visible run, up to
 * per_group messages.  The Datums point into *tuptable: free it when done.
 */
static GroupCand *
group_candidates(PgmqQueue *queue, TimestampTz now, int64 per_group,
				 bool *runs_read, int *ncands, SPITupleTable **tuptable)
{
	ParamListInfo params;
	SPITupleTable *tt;
	GroupCand  *cands;
	uint64		n;
	uint64		i;
	int			nc = 0;
	bool		skipping = false;	/* in a group whose head is invisible */

	*runs_read = !pgmq_queue_has_fifo_index(queue);
	if (*runs_read)
	{
		params = makeParamList(1);
		pgmq_param(params, 0, INT8OID, Int64GetDatum(per_group), false);
		n = pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_GRP_RUNS_SCAN), params, 0);
	}
	else
	{
		params = makeParamList(1);
		pgmq_param(params, 0, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
		n = pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_GRP_HEADS_IDX), params, 0);
	}
	tt = SPI_tuptable;
	cands = palloc0(sizeof(GroupCand) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = tt->vals[i];
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 2, &isnull));
		GroupCand  *c;

		if (!*runs_read)
		{
			/* index path: visible heads, oldest first */
			c = &cands[nc++];
			c->grp = SPI_getbinval(tup, tt->tupdesc, 1, &isnull);
			c->head = id;
			continue;
		}

		/* scan path: each group's first messages, in order */
		if (DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 4, &isnull)) == 1)
		{
			skipping = DatumGetTimestampTz(SPI_getbinval(tup, tt->tupdesc, 3, &isnull)) > now;
			if (skipping)
				continue;		/* head in flight or delayed: not a candidate */
			c = &cands[nc++];
			c->grp = SPI_getbinval(tup, tt->tupdesc, 1, &isnull);
			c->head = id;
			idlist_add(&c->run, id);
		}
		else if (!skipping)
		{
			c = &cands[nc - 1];
			if (!c->run_ended &&
				DatumGetTimestampTz(SPI_getbinval(tup, tt->tupdesc, 3, &isnull)) <= now)
				idlist_add(&c->run, id);
			else
				c->run_ended = true;
		}
	}
	if (*runs_read)
		qsort(cands, nc, sizeof(GroupCand), cmp_cand_head);
	*ncands = nc;
	*tuptable = tt;
	return cands;
}

/*
 * One grouped read attempt: choose the messages, claim them, append them to
 * the result in selection order.  Returns the number of rows returned.
 */
static uint64
grouped_attempt(ReturnSetInfo *rsinfo, PgmqQueue *queue, void *arg)
{
	GroupedArgs *a = (GroupedArgs *) arg;
	TimestampTz now = GetCurrentTimestamp();
	ParamListInfo params;
	GroupCand  *cands;
	int			ncands;
	bool		runs_read;
	SPITupleTable *candtt;
	int			c;
	int64		want;
	int64		planned = 0;	/* messages selected so far */
	IdList	   *runs;
	int		   *take;
	int			nruns = 0;
	IdList		chosen = {0};
	uint64		n;
	int			g;

	/* PGMQ: read_grouped and read_grouped_rr return nothing for NULL qty */
	if (a->mode != GROUPED_HEAD && a->qty_null)
		return 0;
	if (!a->qty_null && a->qty == 0)
		return 0;

	cands = group_candidates(queue, now,
							 a->mode == GROUPED_HEAD ? 1 : Max(a->qty, 1),
							 &runs_read, &ncands, &candtt);
	if (ncands == 0)
	{
		SPI_freetuptable(candtt);
		return 0;
	}
	want = a->qty_null ? (int64) ncands : a->qty;
	runs = palloc0(sizeof(IdList) * Min((int64) ncands, want));
	take = palloc0(sizeof(int) * Min((int64) ncands, want));

	/*
	 * Take groups, oldest head first, with their runs: up to what is still
	 * wanted when filling, up to qty each for round-robin, just the head
	 * otherwise.
	 */
	for (c = 0; c < ncands && nruns < want && planned < want; c++)
	{
		GroupCand  *cand = &cands[c];
		int64		limit = a->mode == GROUPED_FILL ? want - planned : want;

		if (!take_group(queue, cand->head, now))
			continue;
		if (a->mode == GROUPED_HEAD)
			idlist_add(&runs[nruns], cand->head);
		else if (runs_read)
		{
			runs[nruns] = cand->run;
			runs[nruns].n = (int) Min((int64) runs[nruns].n, limit);
		}
		else
			group_run(queue, cand->grp, cand->head, limit, now, &runs[nruns]);
		if (a->mode != GROUPED_RR)
			planned += runs[nruns].n;
		nruns++;
	}
	SPI_freetuptable(candtt);

	/* how many of each run to take: all of it, or its share of the layers */
	if (a->mode == GROUPED_RR)
	{
		bool		more = true;

		while (more && planned < want)
		{
			more = false;
			for (g = 0; g < nruns && planned < want; g++)
			{
				if (take[g] < runs[g].n)
				{
					take[g]++;
					planned++;
					more = true;
				}
			}
		}
	}
	else
	{
		for (g = 0; g < nruns; g++)
			take[g] = runs[g].n;
	}

	lock_selection(queue, runs, take, nruns, now);

	/* the selection order: group by group, or layer by layer */
	if (a->mode == GROUPED_RR)
	{
		int			layer;
		bool		more = true;

		for (layer = 0; more; layer++)
		{
			more = false;
			for (g = 0; g < nruns; g++)
			{
				if (layer < take[g])
				{
					idlist_add(&chosen, runs[g].ids[layer]);
					more = true;
				}
			}
		}
	}
	else
	{
		for (g = 0; g < nruns; g++)
		{
			int			k;

			for (k = 0; k < take[g]; k++)
				idlist_add(&chosen, runs[g].ids[k]);
		}
	}
	if (chosen.n == 0)
		return 0;

	params = makeParamList(3);
	pgmq_param(params, 0, TIMESTAMPTZOID,
			   TimestampTzGetDatum(pgmq_after_seconds(now, a->vt)), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	pgmq_param(params, 2, INT8ARRAYOID, int8_array(chosen.ids, chosen.n), false);
	n = pgmq_run_into_srf(rsinfo, pgmq_queue_plan(queue, PGMQ_PLAN_GRP_CLAIM), params, false);
	if (n > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	return n;
}

/*
 * Shared body of the six grouped read functions:
 *	 f(queue_name text, vt integer, qty integer
 *	   [, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100])
 *	 -> SETOF pgmq.message_record
 */
static Datum
grouped_read(FunctionCallInfo fcinfo, GroupedMode mode, const char *poll_fname)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	GroupedArgs args = {0};
	int32		max_poll_seconds = 0;
	int32		poll_interval_ms = 0;

	pgmq_name_from_arg(fcinfo, 0, &name);
	args.mode = mode;
	args.vt = pgmq_arg_nonneg_int(fcinfo, 1, "visibility timeout");
	args.qty_null = pgmq_read_qty(fcinfo, 2, &args.qty);
	if (poll_fname)
		pgmq_poll_args(fcinfo, 3, poll_fname, &max_poll_seconds, &poll_interval_ms);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	if (poll_fname)
		pgmq_poll(rsinfo, queue, max_poll_seconds, poll_interval_ms,
				  grouped_attempt, &args);
	else
		(void) grouped_attempt(rsinfo, queue, &args);
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped);
Datum
pgmq_read_grouped(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_FILL, NULL);
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped_with_poll);
Datum
pgmq_read_grouped_with_poll(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_FILL, "read_grouped_with_poll");
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped_rr);
Datum
pgmq_read_grouped_rr(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_RR, NULL);
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped_rr_with_poll);
Datum
pgmq_read_grouped_rr_with_poll(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_RR, "read_grouped_rr_with_poll");
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped_head);
Datum
pgmq_read_grouped_head(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_HEAD, NULL);
}

PG_FUNCTION_INFO_V1(pgmq_read_grouped_head_with_poll);
Datum
pgmq_read_grouped_head_with_poll(PG_FUNCTION_ARGS)
{
	return grouped_read(fcinfo, GROUPED_HEAD, "read_grouped_head_with_poll");
}

/*
 * Create the FIFO index of one queue if it has none: a btree on
 * (group, msg_id), named as PGMQ names its index.
 *
 * Under the name lock create and drop_queue take: CREATE INDEX IF NOT
 * EXISTS checks for the name before it creates, so two concurrent calls
 * would both create and the later one fail on pg_class's unique index
 * (23505, "duplicate key value").  Serialized, the later one finds the
 * index and does nothing.
 */
static void
create_fifo_index(const PgmqName *name)
{
	char		idxname[NAMEDATALEN];
	char	   *sql;

	pgmq_lock_queue_name(name->lower);
	(void) pgmq_queue_open(name, false, false);	/* "does not exist" */
	pgmq_fifo_index_name(name->qtable, idxname);
	sql = psprintf("CREATE INDEX IF NOT EXISTS %s ON %s ((" PGMQ_GROUP_EXPR("") "), msg_id)",
				   quote_identifier(idxname),
				   quote_qualified_identifier(PGMQ_SCHEMA, name->qtable));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "pgmq: could not create index \"%s\"", idxname);
}

/* create_fifo_index(queue_name text) -> void */
PG_FUNCTION_INFO_V1(pgmq_create_fifo_index);
Datum
pgmq_create_fifo_index(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	pgmq_spi_connect();
	create_fifo_index(&name);
	pgmq_spi_finish();
	PG_RETURN_VOID();
}

/*
 * create_fifo_indexes_all() -> void: for every registered queue; a
 * registration without its table, or with a name we cannot accept (left by
 * PGMQ), is skipped with a NOTICE instead of failing the whole call.
 */
PG_FUNCTION_INFO_V1(pgmq_create_fifo_indexes_all);
Datum
pgmq_create_fifo_indexes_all(PG_FUNCTION_ARGS)
{
	uint64		i;
	uint64		n;
	char	  **names;

	pgmq_spi_connect();
	if (SPI_execute("SELECT queue_name::pg_catalog.text FROM pgmq.meta ORDER BY 1",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not read pgmq.meta");
	n = SPI_processed;
	names = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
		names[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	for (i = 0; i < n; i++)
	{
		PgmqName	name;

		/* like metrics_all: skip what is not (or no longer) a usable queue */
		if (!pgmq_name_is_valid(names[i], strlen(names[i])))
		{
			ereport(NOTICE,
					(errmsg("skipping queue \"%s\": not a valid queue name", names[i])));
			continue;
		}
		pgmq_name_init(names[i], strlen(names[i]), &name);
		if (pgmq_queue_open(&name, false, true) == NULL)
		{
			ereport(NOTICE,
					(errmsg("skipping queue \"%s\": its table does not exist", names[i])));
			continue;
		}
		create_fifo_index(&name);
	}
	pgmq_spi_finish();
	PG_RETURN_VOID();
}
