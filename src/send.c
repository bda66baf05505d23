/*-------------------------------------------------------------------------
 *
 * send.c
 *	  pgmq.send and pgmq.send_batch, all six overloads of each.
 *
 * A message's vt is computed here from the clock (clock_timestamp()
 * semantics, as PGMQ) plus the delay, and the row is inserted through the
 * queue's kept INSERT plan; msg_id, read_ct and enqueued_at come from the
 * table's defaults.  A batch is one INSERT ... SELECT over the arrays, so
 * its ids come back in array order.
 *
 * Stricter than PGMQ (documented): a NULL message, a NULL or negative
 * delay and NULL elements in msgs are errors instead of NULL rows or
 * constraint violations.
 *
 * pgmq_insert_messages() and pgmq_batch_check() are shared with topic
 * routing (topic.c), which sends one message or batch to many queues.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/send.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/tstoreReceiver.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgmq.h"

/* How the overload being called expresses the delay. */
typedef enum SendDelay
{
	SEND_NOW,					/* no delay argument */
	SEND_DELAY_SECONDS,			/* delay integer */
	SEND_AT						/* delay timestamp with time zone */
} SendDelay;

/*
 * The vt for a send: now, now + seconds, or the timestamp given; the delay
 * argument, if any, is at position argno.
 */
static TimestampTz
send_vt(FunctionCallInfo fcinfo, SendDelay how, int argno)
{
	switch (how)
	{
		case SEND_DELAY_SECONDS:
			return pgmq_after_seconds(GetCurrentTimestamp(),
									  pgmq_arg_nonneg_int(fcinfo, argno, "delay"));
		case SEND_AT:
			return pgmq_arg_timestamptz(fcinfo, argno, "delay");
		case SEND_NOW:
			break;
	}
	return GetCurrentTimestamp();
}

/*
 * A receiver that appends the rows a statement returns to the function's
 * result set.
 */
static DestReceiver *
srf_dest(ReturnSetInfo *rsinfo)
{
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);

	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, rsinfo->setDesc,
									gettext_noop("pgmq statement returned rows of an unexpected type"));
	return dest;
}

/*
 * Insert messages into a queue through its kept plan, all with the given
 * vt: one message (batch false: msg and headers are jsonb) or a whole
 * batch in array order (batch true: msg and headers are jsonb[]).  The new
 * msg_ids go to dest (None_Receiver to discard them).  Readers waiting on
 * the queue are woken when the transaction commits.
 *
 * Must be called inside an SPI connection, with the arguments already
 * checked (pgmq_batch_check for a batch).  Returns the number of messages
 * inserted.
 */
uint64
pgmq_insert_messages(PgmqQueue *queue, bool batch, TimestampTz vt,
					 Datum msg, Datum headers, bool headers_null,
					 DestReceiver *dest)
{
	Oid			jtype = batch ? JSONBARRAYOID : JSONBOID;
	bool		bare = batch && headers_null;	/* the plan without headers */
	SPIPlanPtr	plan = pgmq_queue_plan(queue,
									   !batch ? PGMQ_PLAN_SEND :
									   bare ? PGMQ_PLAN_SEND_BATCH_BARE :
									   PGMQ_PLAN_SEND_BATCH);
	ParamListInfo params = makeParamList(bare ? 2 : 3);
	SPIExecuteOptions options;
	int			rc;

	pgmq_param(params, 0, TIMESTAMPTZOID, TimestampTzGetDatum(vt), false);
	pgmq_param(params, 1, jtype, msg, false);
	if (!bare)
		pgmq_param(params, 2, jtype, headers_null ? (Datum) 0 : headers, headers_null);

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = false;
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan_extended failed: %s",
			 SPI_result_code_string(rc));

	pgmq_wake_on_commit(pgmq_queue_relid(queue));
	return SPI_processed;
}

/*
 * send(queue_name, msg [, headers] [, delay]) -> SETOF bigint
 */
static Datum
send_common(FunctionCallInfo fcinfo, bool with_headers, SendDelay how)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	DestReceiver *dest;
	TimestampTz vt;
	bool		headers_null = true;
	Datum		headers = (Datum) 0;

	pgmq_name_from_arg(fcinfo, 0, &name);
	pgmq_require_arg(fcinfo, 1, "message");
	if (with_headers && !PG_ARGISNULL(2))
	{
		headers = PG_GETARG_DATUM(2);
		headers_null = false;
	}
	vt = send_vt(fcinfo, how, with_headers ? 3 : 2);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	dest = srf_dest(rsinfo);
	pgmq_insert_messages(queue, false, vt, PG_GETARG_DATUM(1), headers, headers_null, dest);
	dest->rDestroy(dest);
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_send);
Datum
pgmq_send(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, SEND_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_delay);
Datum
pgmq_send_delay(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, SEND_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_at);
Datum
pgmq_send_at(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, SEND_AT);
}

PG_FUNCTION_INFO_V1(pgmq_send_headers);
Datum
pgmq_send_headers(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, SEND_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_headers_delay);
Datum
pgmq_send_headers_delay(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, SEND_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_headers_at);
Datum
pgmq_send_headers_at(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, SEND_AT);
}

/*
 * Number of elements of a one-dimensional array argument; errors for
 * multi-dimensional arrays.
 */
static int
batch_array_length(ArrayType *arr, const char *what)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	return ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
}

/*
 * Check send_batch's arrays the way PGMQ does (same messages), plus: no
 * NULL messages.  Returns the msgs array.  headers_arg < 0: the overload
 * has no headers.
 */
ArrayType *
pgmq_batch_check(FunctionCallInfo fcinfo, int msgs_arg, int headers_arg)
{
	ArrayType  *msgs;
	int			nmsgs;

	if (PG_ARGISNULL(msgs_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msgs cannot be NULL or empty")));
	msgs = PG_GETARG_ARRAYTYPE_P(msgs_arg);
	nmsgs = batch_array_length(msgs, "msgs");
	if (nmsgs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("msgs cannot be NULL or empty")));
	if (array_contains_nulls(msgs))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msgs must not contain null elements"),
				 errhint("Send an explicit JSON value such as 'null'::jsonb instead of SQL NULL.")));

	if (headers_arg >= 0 && !PG_ARGISNULL(headers_arg))
	{
		ArrayType  *headers = PG_GETARG_ARRAYTYPE_P(headers_arg);
		int			nheaders = batch_array_length(headers, "headers");

		if (nheaders != nmsgs)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("headers array length (%d) must match msgs array length (%d)",
							nheaders, nmsgs)));
	}
	return msgs;
}

/*
 * send_batch(queue_name, msgs [, headers] [, delay]) -> SETOF bigint
 */
static Datum
send_batch_common(FunctionCallInfo fcinfo, bool with_headers, SendDelay how)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	DestReceiver *dest;
	ArrayType  *msgs;
	TimestampTz vt;
	bool		headers_null = !with_headers || PG_ARGISNULL(2);

	pgmq_name_from_arg(fcinfo, 0, &name);
	msgs = pgmq_batch_check(fcinfo, 1, with_headers ? 2 : -1);
	vt = send_vt(fcinfo, how, with_headers ? 3 : 2);

	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	dest = srf_dest(rsinfo);
	pgmq_insert_messages(queue, true, vt, PointerGetDatum(msgs),
						 headers_null ? (Datum) 0 : PG_GETARG_DATUM(2), headers_null,
						 dest);
	dest->rDestroy(dest);
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_send_batch);
Datum
pgmq_send_batch(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, false, SEND_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_delay);
Datum
pgmq_send_batch_delay(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, false, SEND_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_at);
Datum
pgmq_send_batch_at(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, false, SEND_AT);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_headers);
Datum
pgmq_send_batch_headers(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, true, SEND_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_headers_delay);
Datum
pgmq_send_batch_headers_delay(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, true, SEND_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_headers_at);
Datum
pgmq_send_batch_headers_at(PG_FUNCTION_ARGS)
{
	return send_batch_common(fcinfo, true, SEND_AT);
}
