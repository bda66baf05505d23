/*-------------------------------------------------------------------------
 *
 * ack.c
 *	  Acknowledging and re-timing messages by id: pgmq.delete,
 *	  pgmq.archive and pgmq.set_vt (single id and id array forms).
 *
 * As in PGMQ these act on the given ids whatever their visibility or who
 * read them, and wait (no SKIP LOCKED) if another transaction holds the
 * row.  archive moves the row to a_<queue> in one statement.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/ack.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "pgmq.h"

/*
 * delete/archive of one id -> boolean.  A NULL id matches nothing (false),
 * as in PGMQ.
 */
static Datum
ack_one(FunctionCallInfo fcinfo, PgmqPlanKind kind)
{
	PgmqName	name;
	PgmqQueue  *queue;
	ParamListInfo params;
	uint64		n;

	pgmq_name_from_arg(fcinfo, 0, &name);
	queue = pgmq_queue_open(&name, kind == PGMQ_PLAN_ARCHIVE, false);
	if (PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);

	pgmq_spi_connect();
	params = makeParamList(1);
	pgmq_param(params, 0, INT8OID, PG_GETARG_DATUM(1), false);
	n = pgmq_run(pgmq_queue_plan(queue, kind), params, 0);
	pgmq_spi_finish();
	if (n > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));

	PG_RETURN_BOOL(n > 0);
}

/*
 * delete/archive of an id array -> SETOF bigint, the ids acted on.  A NULL
 * array matches nothing.
 */
static Datum
ack_many(FunctionCallInfo fcinfo, PgmqPlanKind kind)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	ParamListInfo params;

	pgmq_name_from_arg(fcinfo, 0, &name);
	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, kind == PGMQ_PLAN_ARCHIVE_BATCH, false);
	if (PG_ARGISNULL(1))
		return (Datum) 0;

	pgmq_spi_connect();
	params = makeParamList(1);
	pgmq_param(params, 0, INT8ARRAYOID, PG_GETARG_DATUM(1), false);
	if (pgmq_run_into_srf(rsinfo, pgmq_queue_plan(queue, kind), params, false) > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_delete);
Datum
pgmq_delete(PG_FUNCTION_ARGS)
{
	return ack_one(fcinfo, PGMQ_PLAN_DELETE);
}

PG_FUNCTION_INFO_V1(pgmq_delete_batch);
Datum
pgmq_delete_batch(PG_FUNCTION_ARGS)
{
	return ack_many(fcinfo, PGMQ_PLAN_DELETE_BATCH);
}

PG_FUNCTION_INFO_V1(pgmq_archive);
Datum
pgmq_archive(PG_FUNCTION_ARGS)
{
	return ack_one(fcinfo, PGMQ_PLAN_ARCHIVE);
}

PG_FUNCTION_INFO_V1(pgmq_archive_batch);
Datum
pgmq_archive_batch(PG_FUNCTION_ARGS)
{
	return ack_many(fcinfo, PGMQ_PLAN_ARCHIVE_BATCH);
}

/*
 * set_vt(queue_name, msg_id(s), vt) -> SETOF pgmq.message_record.
 * vt is seconds from now (non-negative) or an absolute timestamptz; a NULL
 * id or id array matches nothing.
 */
static Datum
set_vt_common(FunctionCallInfo fcinfo, bool many, bool absolute)
{
	PgmqName	name;
	ReturnSetInfo *rsinfo;
	PgmqQueue  *queue;
	ParamListInfo params;
	TimestampTz vt;

	pgmq_name_from_arg(fcinfo, 0, &name);
	if (absolute)
		vt = pgmq_arg_timestamptz(fcinfo, 2, "visibility timeout");
	else
		vt = pgmq_after_seconds(GetCurrentTimestamp(),
								pgmq_arg_nonneg_int(fcinfo, 2, "visibility timeout"));
	rsinfo = pgmq_srf_init(fcinfo);
	queue = pgmq_queue_open(&name, false, false);
	if (PG_ARGISNULL(1))
		return (Datum) 0;

	/* a message made visible sooner must not hide behind a read skip hint */
	pgmq_skip_hint_vt_changed(queue, vt);

	pgmq_spi_connect();
	params = makeParamList(2);
	pgmq_param(params, 0, many ? INT8ARRAYOID : INT8OID, PG_GETARG_DATUM(1), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(vt), false);
	if (pgmq_run_into_srf(rsinfo,
						  pgmq_queue_plan(queue, many ? PGMQ_PLAN_SET_VT_BATCH : PGMQ_PLAN_SET_VT),
						  params, false) > 0)
		pgmq_wake_on_change(pgmq_queue_relid(queue));
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_set_vt);
Datum
pgmq_set_vt(PG_FUNCTION_ARGS)
{
	return set_vt_common(fcinfo, false, false);
}

PG_FUNCTION_INFO_V1(pgmq_set_vt_at);
Datum
pgmq_set_vt_at(PG_FUNCTION_ARGS)
{
	return set_vt_common(fcinfo, false, true);
}

PG_FUNCTION_INFO_V1(pgmq_set_vt_batch);
Datum
pgmq_set_vt_batch(PG_FUNCTION_ARGS)
{
	return set_vt_common(fcinfo, true, false);
}

PG_FUNCTION_INFO_V1(pgmq_set_vt_batch_at);
Datum
pgmq_set_vt_batch_at(PG_FUNCTION_ARGS)
{
	return set_vt_common(fcinfo, true, true);
}
