/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  pgmq.metrics and pgmq.metrics_all.
 *
 * Same columns and meanings as PGMQ 1.13: lengths, ages of the newest and
 * oldest message in seconds (relative to now(), the transaction start),
 * total ids ever allocated, scrape time, visible length, and for
 * partitioned queues the estimated length of the default partitions.
 * metrics_all reports every registered queue in name order and skips
 * registrations whose table is gone instead of failing the whole call.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmq.h"

#define METRICS_NATTS 8

typedef struct QueueMetrics
{
	int64		length;
	int64		visible;
	int64		total;
	bool		empty;
	TimestampTz newest;
	TimestampTz oldest;
	bool		has_partition_length;
	int64		partition_length;
} QueueMetrics;

/* pg_class.reltuples of a relation, negative ("never analysed") as 0 */
static int64
rel_tuples(Oid relid)
{
	HeapTuple	tup;
	float4		reltuples = 0;

	if (!OidIsValid(relid))
		return 0;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return reltuples > 0 ? (int64) reltuples : 0;
}

/*
 * Measure one queue.  Must be called inside an SPI connection.
 */
static void
measure_queue(const PgmqName *name, PgmqQueue *queue, TimestampTz now, QueueMetrics *m)
{
	ParamListInfo params = makeParamList(1);
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	char		defname[NAMEDATALEN + 16];
	Oid			nsp = pgmq_schema_oid();
	Oid			qdefault;

	pgmq_param(params, 0, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	if (pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_METRICS), params, 0) != 1)
		elog(ERROR, "pgmq: metrics query returned no row");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	m->length = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	m->visible = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
	m->newest = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &m->empty));
	m->oldest = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
	m->total = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
	if (isnull)
		m->total = 0;

	snprintf(defname, sizeof(defname), "%s_default", name->qtable);
	qdefault = get_relname_relid(defname, nsp);
	m->has_partition_length = OidIsValid(qdefault);
	if (m->has_partition_length)
	{
		snprintf(defname, sizeof(defname), "%s_default", name->atable);
		m->partition_length = rel_tuples(qdefault) +
			rel_tuples(get_relname_relid(defname, nsp));
	}
}

/* Seconds between two timestamps, rounded half away from zero (PGMQ casts numeric to int). */
static Datum
age_seconds(TimestampTz now, TimestampTz then)
{
	/* in double: an infinite or ancient enqueued_at must not overflow */
	double		secs = round(((double) now - (double) then) / USECS_PER_SEC);

	if (TIMESTAMP_NOT_FINITE(then) || secs < PG_INT32_MIN || secs > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("integer out of range"),
				 errdetail("A message's age in seconds does not fit an integer (enqueued_at %s).",
						   timestamptz_to_str(then))));
	return Int32GetDatum((int32) secs);
}

static void
metrics_datums(const char *queue_name, const QueueMetrics *m, TimestampTz now,
			   Datum *values, bool *nulls)
{
	memset(nulls, 0, sizeof(bool) * METRICS_NATTS);
	values[0] = CStringGetTextDatum(queue_name);
	values[1] = Int64GetDatum(m->length);
	values[2] = m->empty ? (Datum) 0 : age_seconds(now, m->newest);
	nulls[2] = m->empty;
	values[3] = m->empty ? (Datum) 0 : age_seconds(now, m->oldest);
	nulls[3] = m->empty;
	values[4] = Int64GetDatum(m->total);
	values[5] = TimestampTzGetDatum(now);
	values[6] = Int64GetDatum(m->visible);
	values[7] = Int64GetDatum(m->partition_length);
	nulls[7] = !m->has_partition_length;
}

/*
 * metrics(queue_name text) -> pgmq.metrics_result
 * queue_name in the result echoes the argument as given.
 */
PG_FUNCTION_INFO_V1(pgmq_metrics);
Datum
pgmq_metrics(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	PgmqQueue  *queue;
	QueueMetrics m;
	TupleDesc	tupdesc;
	Datum		values[METRICS_NATTS];
	bool		nulls[METRICS_NATTS];
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	pgmq_name_from_arg(fcinfo, 0, &name);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgmq: metrics must return a composite type");
	queue = pgmq_queue_open(&name, false, false);

	pgmq_spi_connect();
	measure_queue(&name, queue, now, &m);
	pgmq_spi_finish();

	metrics_datums(name.name, &m, now, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/*
 * metrics_all() -> SETOF pgmq.metrics_result, one row per registered queue
 * whose table exists, in queue_name order.
 */
PG_FUNCTION_INFO_V1(pgmq_metrics_all);
Datum
pgmq_metrics_all(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	List	   *names = NIL;
	ListCell   *lc;
	uint64		i;

	pgmq_spi_connect();
	if (SPI_execute("SELECT queue_name::pg_catalog.text FROM pgmq.meta ORDER BY queue_name",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not read pgmq.meta");
	for (i = 0; i < SPI_processed; i++)
		names = lappend(names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));

	foreach(lc, names)
	{
		char	   *qname = (char *) lfirst(lc);
		PgmqName	name;
		PgmqQueue  *queue;
		QueueMetrics m;
		Datum		values[METRICS_NATTS];
		bool		nulls[METRICS_NATTS];

		/* a registration we could never have made (a foreign name) is skipped */
		if (!pgmq_name_is_valid(qname, strlen(qname)))
			continue;
		pgmq_name_init(qname, strlen(qname), &name);
		queue = pgmq_queue_open(&name, false, true);
		if (queue == NULL)
			continue;
		measure_queue(&name, queue, now, &m);
		metrics_datums(qname, &m, now, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pgmq_spi_finish();

	return (Datum) 0;
}
