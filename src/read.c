/*-------------------------------------------------------------------------
 *
 * read.c
 *	  pgmq.read, pgmq.read_with_poll and pgmq.pop: claiming visible
 *	  messages with FOR UPDATE SKIP LOCKED.
 *
 * A read takes the lowest visible msg_ids (vt <= clock), skipping rows
 * other transactions hold, and sets vt = clock + vt seconds, read_ct + 1,
 * last_read_at = clock on them, returning the updated rows.  pop deletes
 * the same candidates and returns them as stored.
 *
 * read_with_poll repeats the read until it returns rows or
 * max_poll_seconds have passed.  In between it sleeps in wait.c: woken the
 * moment a send to the queue commits when pgmq is preloaded, every
 * poll_interval_ms otherwise; cancel, statement_timeout and termination
 * stop it at once.  Each attempt runs with a fresh snapshot.
 *
 * The skip hint.  The claim walks the primary key from the lowest msg_id
 * and skips, row by row, every message that is not visible, so tens of
 * thousands of in-flight or delayed messages at the head of a queue make
 * every read that much slower.  When a claim shows such a head (its lowest
 * claimed msg_id at least SKIP_MIN_GAP above the queue's lowest msg_id,
 * checked at most every SKIP_PROBE_MS per backend and queue), the backend
 * walks the head once, without locking, for the lowest msg_id H whose vt
 * is at most T + W (T the clock before that statement, W =
 * pgmq.read_skip_window_ms).  Every message below H that statement saw has
 * vt > T + W, so until T + W its claims may start at H: nothing below H can
 * be visible then unless it was changed or committed after the walk.
 * Then:
 *
 * - the hint expires at T + W and is recomputed then (with a new snapshot,
 *   which sees every committed change), so a message hidden by it is late
 *   by at most W, never lost;
 * - a hinted claim that finds nothing is run again from the lowest msg_id
 *   and the hint dropped, so a read returns nothing only when the strict
 *   claim would;
 * - this backend's own set_vt to a time before T + W drops it, and so does
 *   any abort of a (sub)transaction or PREPARE TRANSACTION (the walk may
 *   have seen this backend's uncommitted changes);
 * - what can still come out of order: a message below H made visible by
 *   another session's set_vt (or UPDATE), or a send that took a low msg_id
 *   but committed after the walk, is returned up to W later than PGMQ's
 *   lowest-msg_id-first order would return it.  Queues whose head is
 *   shorter than SKIP_MIN_GAP never get a hint and keep the strict order.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "pgmq.h"

/* A head shorter than this many msg_ids is walked as it is. */
#define SKIP_MIN_GAP		1000
/* Least time between two looks at a queue's lowest msg_id, per backend. */
#define SKIP_PROBE_MS		100

int			pgmq_read_skip_window_ms = 1000;

/* Aborted (sub)transactions and prepared ones in this backend. */
static uint64 skip_epoch = 0;

static void
skip_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		skip_epoch++;
}

static void
skip_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		skip_epoch++;
}

/* At library load: the setting and the abort callbacks. */
void
pgmq_read_init(void)
{
	DefineCustomIntVariable("pgmq.read_skip_window_ms",
							"Longest time a read may start past a long head of invisible messages.",
							"Behind a head of at least 1000 in-flight or delayed messages, reads start "
							"after it for this long before looking again; a message in the head made "
							"visible by another session may be returned that much later.  "
							"0 keeps the strict lowest-msg_id-first order.",
							&pgmq_read_skip_window_ms,
							1000, 0, 60 * 1000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	RegisterXactCallback(skip_xact_callback, NULL);
	RegisterSubXactCallback(skip_subxact_callback, NULL);
}

/* The msg_id a one-column SELECT plan returns, false if none (or NULL). */
static bool
skip_fetch_id(PgmqQueue *queue, PgmqPlanKind kind, ParamListInfo params, int64 *id)
{
	bool		isnull = true;

	if (pgmq_run(pgmq_queue_plan(queue, kind), params, 1) > 0)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									  1, &isnull);

		if (!isnull)
			*id = DatumGetInt64(d);
	}
	SPI_freetuptable(SPI_tuptable);
	return !isnull;
}

/*
 * Walk the head for the hint, and keep it if it skips at least SKIP_MIN_GAP
 * ids above lowest (the queue's lowest msg_id).  Returns whether a hint is
 * in force.
 */
static bool
skip_hint_make(PgmqQueue *queue, PgmqSkipHint *h, int64 lowest)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz until = now + (TimestampTz) pgmq_read_skip_window_ms * 1000;
	ParamListInfo params = makeParamList(1);
	int64		first;

	h->active = false;
	pgmq_param(params, 0, TIMESTAMPTZOID, TimestampTzGetDatum(until), false);

	/*
	 * Nothing that could be visible before "until": hinted claims would find
	 * nothing and fall back anyway.
	 */
	if (!skip_fetch_id(queue, PGMQ_PLAN_SKIP_HINT, params, &first))
		return false;
	if (first - lowest < SKIP_MIN_GAP)
		return false;

	h->active = true;
	h->from_id = first;
	h->made_at = now;
	h->until = until;
	h->epoch = skip_epoch;
	elog(DEBUG1, "pgmq: reads of queue \"%s\" start at msg_id " INT64_FORMAT
		 " for %d ms, past " INT64_FORMAT " ids from msg_id " INT64_FORMAT
		 " holding nothing visible before then",
		 pgmq_queue_name(queue), first, pgmq_read_skip_window_ms,
		 first - lowest, lowest);
	return true;
}

/*
 * After an unhinted claim whose lowest msg_id was claimed: at most every
 * SKIP_PROBE_MS, look at the queue's lowest msg_id (one index descent) and
 * make a hint if the claim walked a long head.
 */
static void
skip_hint_after_claim(PgmqQueue *queue, TimestampTz now, int64 claimed)
{
	PgmqSkipHint *h = pgmq_queue_skip_hint(queue);
	int64		lowest;

	if (now >= h->last_probe && now - h->last_probe < SKIP_PROBE_MS * 1000)
		return;
	h->last_probe = now;
	if (!skip_fetch_id(queue, PGMQ_PLAN_LOWEST_ID, NULL, &lowest))
		return;
	if (claimed - lowest < SKIP_MIN_GAP)
		return;
	skip_hint_make(queue, h, lowest);
}

/*
 * The hint in force for a claim at clock "now", if any.  An expired hint
 * is recomputed at once: the head is then walked by that one statement
 * per window rather than by this claim too.
 */
static bool
skip_hint_get(PgmqQueue *queue, TimestampTz now, int64 *from_id)
{
	PgmqSkipHint *h = pgmq_queue_skip_hint(queue);
	TimestampTz window = (TimestampTz) pgmq_read_skip_window_ms * 1000;

	if (!h->active)
		return false;
	if (h->epoch != skip_epoch || now < h->made_at || h->until - now > window)
	{
		/* an abort since, a clock gone back, or a shorter window set */
		h->active = false;
		return false;
	}
	if (now >= h->until)
	{
		int64		lowest;

		h->active = false;
		h->last_probe = now;
		if (!skip_fetch_id(queue, PGMQ_PLAN_LOWEST_ID, NULL, &lowest) ||
			!skip_hint_make(queue, h, lowest))
			return false;
	}
	*from_id = h->from_id;
	return true;
}

/*
 * This backend set vt on messages of the queue: one below the hint may
 * become visible before the hint expires, unless the new vt is not before
 * that.
 */
void
pgmq_skip_hint_vt_changed(PgmqQueue *queue, TimestampTz vt)
{
	PgmqSkipHint *h = pgmq_queue_skip_hint(queue);

	if (h->active && vt < h->until)
	{
		h->active = false;
		elog(DEBUG1, "pgmq: set_vt ends the read skip hint of queue \"%s\"",
			 pgmq_queue_name(queue));
	}
}

/*
 * Run a claim (read or pop, plan "plain" or, from the hint's msg_id on,
 * "from") into the result set.  A hinted claim that finds nothing is run
 * again without the hint, which is dropped; after an unhinted claim, see
 * whether a hint should be made.  params has one slot more than "plain"
 * takes, the last, for the hint.  use_hint false: the plain claim only.
 */
static uint64
claim(ReturnSetInfo *rsinfo, PgmqQueue *queue, PgmqPlanKind plain,
	  PgmqPlanKind from, ParamListInfo params, TimestampTz now,
	  bool detoast, bool use_hint)
{
	int			nplain = params->numParams - 1;
	int64		from_id;
	int64		lowest = 0;
	uint64		n;

	use_hint = use_hint && pgmq_read_skip_window_ms > 0;
	if (use_hint && skip_hint_get(queue, now, &from_id))
	{
		pgmq_param(params, nplain, INT8OID, Int64GetDatum(from_id), false);
		n = pgmq_run_into_srf(rsinfo, pgmq_queue_plan(queue, from), params, detoast);
		if (n > 0)
			return n;
		pgmq_queue_skip_hint(queue)->active = false;
		elog(DEBUG1, "pgmq: nothing to claim in queue \"%s\" from msg_id " INT64_FORMAT
			 " on, claiming from its lowest msg_id",
			 pgmq_queue_name(queue), from_id);
	}
	params->numParams = nplain;
	n = pgmq_run_into_srf_lowest(rsinfo, pgmq_queue_plan(queue, plain), params,
								 detoast, &lowest);
	if (n > 0 && use_hint)
		skip_hint_after_claim(queue, now, lowest);
	return n;
}

/*
 * The qty argument: NULL means no limit (as PGMQ); negative is an error.
 */
bool
pgmq_read_qty(FunctionCallInfo fcinfo, int argno, int64 *qty)
{
	int32		v;

	if (PG_ARGISNULL(argno))
		return true;
	v = PG_GETARG_INT32(argno);
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE),
				 errmsg("qty must not be negative"),
				 errdetail("Value given was %d.", v)));
	*qty = v;
	return false;
}

/*
 * The conditional argument, or NULL when it filters nothing (SQL NULL or
 * the empty object '{}').
 */
static Jsonb *
read_conditional(FunctionCallInfo fcinfo, int argno)
{
	Jsonb	   *cond;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	cond = PG_GETARG_JSONB_P(argno);
	if (JB_ROOT_IS_OBJECT(cond) && JB_ROOT_COUNT(cond) == 0)
		return NULL;
	return cond;
}

/*
 * One read attempt; appends the claimed rows to the result set and returns
 * how many there were.  Must be called inside an SPI connection.
 */
uint64
pgmq_read_once(ReturnSetInfo *rsinfo, PgmqQueue *queue, int32 vt,
			   bool qty_null, int64 qty, Jsonb *conditional)
{
	TimestampTz now = GetCurrentTimestamp();
	ParamListInfo params = makeParamList(conditional ? 5 : 4);
	uint64		n;

	pgmq_param(params, 0, TIMESTAMPTZOID,
			   TimestampTzGetDatum(pgmq_after_seconds(now, vt)), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	pgmq_param(params, 2, INT8OID, Int64GetDatum(qty), qty_null);
	if (conditional)
		pgmq_param(params, 3, JSONBOID, JsonbPGetDatum(conditional), false);

	n = claim(rsinfo, queue,
			  conditional ? PGMQ_PLAN_READ_COND : PGMQ_PLAN_READ,
			  conditional ? PGMQ_PLAN_READ_COND_FROM : PGMQ_PLAN_READ_FROM,
			  params, now, false, qty_null || qty > 0);
	if (n > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	return n;
}

/*
 * read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}')
 *   -> SETOF pgmq.message_record
 */
PG_FUNCTION_INFO_V1(pgmq_read);
Datum
pgmq_read(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	int32		vt;
	int64		qty = 0;
	bool		qty_null;
	Jsonb	   *cond;

	pgmq_name_from_arg(fcinfo, 0, &name);
	vt = pgmq_arg_nonneg_int(fcinfo, 1, "visibility timeout");
	qty_null = pgmq_read_qty(fcinfo, 2, &qty);
	cond = read_conditional(fcinfo, 3);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	pgmq_read_once(rsinfo, queue, vt, qty_null, qty, cond);
	pgmq_spi_finish();

	return (Datum) 0;
}

/*
 * The polling arguments shared by read_with_poll and the grouped
 * *_with_poll functions (max_poll_seconds at argno, poll_interval_ms at
 * argno + 1).  Waiting is refused where no new message could ever be seen.
 */
void
pgmq_poll_args(FunctionCallInfo fcinfo, int argno, const char *fname,
			   int32 *max_poll_seconds, int32 *poll_interval_ms)
{
	*max_poll_seconds = pgmq_arg_nonneg_int(fcinfo, argno, "max_poll_seconds");
	pgmq_require_arg(fcinfo, argno + 1, "poll_interval_ms");
	*poll_interval_ms = PG_GETARG_INT32(argno + 1);
	if (*poll_interval_ms <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("poll_interval_ms must be positive"),
				 errdetail("Value given was %d.", *poll_interval_ms)));
	if (*max_poll_seconds > 0 && IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot wait for messages in a REPEATABLE READ or SERIALIZABLE transaction",
						fname),
				 errdetail("The transaction's snapshot never sees messages committed after it started."),
				 errhint("Use READ COMMITTED, or pass max_poll_seconds => 0 for a single attempt.")));
}

/*
 * Run attempt() until it returns rows or max_poll_seconds pass, sleeping in
 * wait.c in between (woken at once when preloaded, every poll_interval_ms
 * otherwise).  Inside an SPI connection; each attempt runs in a memory
 * context reset before the next.
 */
void
pgmq_poll(ReturnSetInfo *rsinfo, PgmqQueue *queue, int32 max_poll_seconds,
		  int32 poll_interval_ms, PgmqReadAttempt attempt, void *arg)
{
	TimestampTz deadline = pgmq_after_seconds(GetCurrentTimestamp(), max_poll_seconds);
	ConditionVariable *cv = pgmq_wait_begin(pgmq_queue_relid(queue));
	MemoryContext loopcxt;
	MemoryContext oldcxt;

	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "pgmq poll",
									ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(loopcxt);
	for (;;)
	{
		TimestampTz now;

		MemoryContextReset(loopcxt);
		if (attempt(rsinfo, queue, arg) > 0)
			break;
		now = GetCurrentTimestamp();
		if (now >= deadline)
			break;
		pgmq_wait_sleep(cv, deadline,
						cv ? pgmq_next_visible(queue, now) : 0,
						poll_interval_ms);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loopcxt);
	pgmq_wait_end(cv);
}

typedef struct ReadArgs
{
	int32		vt;
	bool		qty_null;
	int64		qty;
	Jsonb	   *cond;
} ReadArgs;

static uint64
read_attempt(ReturnSetInfo *rsinfo, PgmqQueue *queue, void *arg)
{
	ReadArgs   *a = (ReadArgs *) arg;

	return pgmq_read_once(rsinfo, queue, a->vt, a->qty_null, a->qty, a->cond);
}

/*
 * read_with_poll(queue_name text, vt integer, qty integer,
 *				  max_poll_seconds integer DEFAULT 5,
 *				  poll_interval_ms integer DEFAULT 100,
 *				  conditional jsonb DEFAULT '{}') -> SETOF pgmq.message_record
 *
 * Unlike PGMQ, max_poll_seconds = 0 makes one read attempt (PGMQ returns
 * nothing without reading).
 */
PG_FUNCTION_INFO_V1(pgmq_read_with_poll);
Datum
pgmq_read_with_poll(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	ReadArgs	args = {0};
	int32		max_poll_seconds;
	int32		poll_interval_ms;

	pgmq_name_from_arg(fcinfo, 0, &name);
	args.vt = pgmq_arg_nonneg_int(fcinfo, 1, "visibility timeout");
	args.qty_null = pgmq_read_qty(fcinfo, 2, &args.qty);
	pgmq_poll_args(fcinfo, 3, "read_with_poll", &max_poll_seconds, &poll_interval_ms);
	args.cond = read_conditional(fcinfo, 5);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	pgmq_poll(rsinfo, queue, max_poll_seconds, poll_interval_ms, read_attempt, &args);
	pgmq_spi_finish();

	return (Datum) 0;
}

/*
 * pop(queue_name text, qty integer DEFAULT 1) -> SETOF pgmq.message_record
 */
PG_FUNCTION_INFO_V1(pgmq_pop);
Datum
pgmq_pop(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	ParamListInfo params;
	TimestampTz now;
	int64		qty = 0;
	bool		qty_null;

	pgmq_name_from_arg(fcinfo, 0, &name);
	qty_null = pgmq_read_qty(fcinfo, 1, &qty);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	now = GetCurrentTimestamp();
	params = makeParamList(3);
	pgmq_param(params, 0, INT8OID, Int64GetDatum(qty), qty_null);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	if (claim(rsinfo, queue, PGMQ_PLAN_POP, PGMQ_PLAN_POP_FROM, params, now,
			  true, qty_null || qty > 0) > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	pgmq_spi_finish();

	return (Datum) 0;
}
