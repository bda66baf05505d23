/*-------------------------------------------------------------------------
 *
 * pgmq.c
 *	  Module entry point of the pgmq extension, and the helpers every
 *	  SQL-callable function shares: running a kept plan with its rows
 *	  streamed straight into the function's result set, and checking
 *	  arguments with clear errors.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/pgmq.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/tstoreReceiver.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/builtins.h"

#include "compat.h"
#include "pgmq.h"

PG_MODULE_MAGIC_EXT(.name = "pgmq",.version = "1.13.101");

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * Plans are prepared lazily per backend; only settings, waiting and the
	 * read skip hint need set-up.  read.c's setting goes first: wait.c
	 * reserves the "pgmq" prefix.
	 */
	pgmq_read_init();
	pgmq_wait_init();
}

void
pgmq_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgmq: SPI_connect failed");
}

void
pgmq_spi_finish(void)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "pgmq: SPI_finish failed");
}

/*
 * Set up the function's materialized result set from the declared result
 * type (works for SETOF scalar and SETOF composite alike).
 */
ReturnSetInfo *
pgmq_srf_init(FunctionCallInfo fcinfo)
{
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

/*
 * A receiver that passes every row on to another one and remembers the
 * lowest value of the first column (an int8: msg_id), for the read skip
 * hint.
 */
typedef struct LowestReceiver
{
	DestReceiver pub;
	DestReceiver *inner;
	int64		lowest;
	bool		seen;
} LowestReceiver;

static bool
lowest_receive(TupleTableSlot *slot, DestReceiver *self)
{
	LowestReceiver *r = (LowestReceiver *) self;
	bool		isnull;
	Datum		d = slot_getattr(slot, 1, &isnull);

	if (!isnull && (!r->seen || DatumGetInt64(d) < r->lowest))
	{
		r->lowest = DatumGetInt64(d);
		r->seen = true;
	}
	return r->inner->receiveSlot(slot, r->inner);
}

static void
lowest_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	LowestReceiver *r = (LowestReceiver *) self;

	if (typeinfo->natts < 1 || TupleDescAttr(typeinfo, 0)->atttypid != INT8OID)
		elog(ERROR, "pgmq: statement does not return an int8 first column");
	r->inner->rStartup(r->inner, operation, typeinfo);
}

static void
lowest_shutdown(DestReceiver *self)
{
	LowestReceiver *r = (LowestReceiver *) self;

	r->inner->rShutdown(r->inner);
}

static void
lowest_destroy(DestReceiver *self)
{
	/* the caller destroys both */
}

/*
 * Execute a kept plan and append the rows it returns to the result set;
 * see pgmq_run_into_srf_lowest.
 */
uint64
pgmq_run_into_srf(ReturnSetInfo *rsinfo, SPIPlanPtr plan, ParamListInfo params,
				  bool detoast)
{
	return pgmq_run_into_srf_lowest(rsinfo, plan, params, detoast, NULL);
}

/*
 * Execute a kept plan and append the rows it returns (RETURNING or SELECT)
 * to the result set, with no intermediate SPI_tuptable copy.  Returns the
 * number of rows processed.  detoast: copy out-of-line values, for rows
 * that the statement itself deletes.  lowest, if not NULL: set to the
 * lowest value of the first column (which must be int8) when rows came
 * back, left alone otherwise.
 */
uint64
pgmq_run_into_srf_lowest(ReturnSetInfo *rsinfo, SPIPlanPtr plan,
						 ParamListInfo params, bool detoast, int64 *lowest)
{
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	LowestReceiver track;
	SPIExecuteOptions options;
	int			rc;

	/*
	 * The receiver may either detoast or convert to the result type, not
	 * both (an assertion in assert-enabled builds); rows that need
	 * detoasting (deleted ones) already have the result's shape.
	 */
	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									detoast, detoast ? NULL : rsinfo->setDesc,
									gettext_noop("pgmq statement returned rows of an unexpected type"));
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = false;
	options.dest = dest;
	if (lowest != NULL)
	{
		memset(&track, 0, sizeof(track));
		track.pub.receiveSlot = lowest_receive;
		track.pub.rStartup = lowest_startup;
		track.pub.rShutdown = lowest_shutdown;
		track.pub.rDestroy = lowest_destroy;
		track.pub.mydest = DestTuplestore;
		track.inner = dest;
		options.dest = &track.pub;
	}
	rc = SPI_execute_plan_extended(plan, &options);
	dest->rDestroy(dest);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan_extended failed: %s",
			 SPI_result_code_string(rc));
	if (lowest != NULL && track.seen)
		*lowest = track.lowest;
	return SPI_processed;
}

/*
 * Execute a kept plan; returned rows (if any) are in SPI_tuptable.
 */
uint64
pgmq_run(SPIPlanPtr plan, ParamListInfo params, long tcount)
{
	SPIExecuteOptions options;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = false;
	options.tcount = tcount;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan_extended failed: %s",
			 SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Raise "<what> must not be null" (22004) if argument argno is NULL.
 */
void
pgmq_require_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
}

/*
 * A non-NULL, non-negative integer argument (seconds of delay or of
 * visibility timeout).
 */
int32
pgmq_arg_nonneg_int(FunctionCallInfo fcinfo, int argno, const char *what)
{
	int32		v;

	pgmq_require_arg(fcinfo, argno, what);
	v = PG_GETARG_INT32(argno);
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("Value given was %d.", v)));
	return v;
}

/*
 * A non-NULL timestamptz argument.
 */
TimestampTz
pgmq_arg_timestamptz(FunctionCallInfo fcinfo, int argno, const char *what)
{
	pgmq_require_arg(fcinfo, argno, what);
	return PG_GETARG_TIMESTAMPTZ(argno);
}

/*
 * base + seconds, as a timestamptz.  seconds is a non-negative int32, so
 * this cannot overflow for any base a clock can return.
 */
TimestampTz
pgmq_after_seconds(TimestampTz base, int32 seconds)
{
	return base + (TimestampTz) seconds * USECS_PER_SEC;
}
