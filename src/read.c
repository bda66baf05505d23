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
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "pgmq.h"

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
	ParamListInfo params = makeParamList(conditional ? 4 : 3);
	SPIPlanPtr	plan;
	uint64		n;

	pgmq_param(params, 0, TIMESTAMPTZOID,
			   TimestampTzGetDatum(pgmq_after_seconds(now, vt)), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	pgmq_param(params, 2, INT8OID, Int64GetDatum(qty), qty_null);
	if (conditional)
		pgmq_param(params, 3, JSONBOID, JsonbPGetDatum(conditional), false);

	plan = pgmq_queue_plan(queue, conditional ? PGMQ_PLAN_READ_COND : PGMQ_PLAN_READ);
	n = pgmq_run_into_srf(rsinfo, plan, params, false);
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
	int64		qty = 0;
	bool		qty_null;

	pgmq_name_from_arg(fcinfo, 0, &name);
	qty_null = pgmq_read_qty(fcinfo, 1, &qty);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	params = makeParamList(2);
	pgmq_param(params, 0, INT8OID, Int64GetDatum(qty), qty_null);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(GetCurrentTimestamp()), false);
	if (pgmq_run_into_srf(rsinfo, pgmq_queue_plan(queue, PGMQ_PLAN_POP), params, true) > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	pgmq_spi_finish();

	return (Datum) 0;
}
