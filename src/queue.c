/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  Queue lifecycle: pgmq.create (and create_non_partitioned,
 *	  create_unlogged, create_queue), drop_queue, purge_queue, list_queues,
 *	  detach_archive, and the name helpers validate_queue_name,
 *	  format_table_name and acquire_queue_lock.
 *
 * Tables are created exactly as PGMQ 1.13 lays them out (same columns,
 * defaults, identity, index and sequence names) and are not extension
 * members, so they survive DROP EXTENSION and are dumped by pg_dump.
 * create and drop_queue serialize per queue with a transaction-level
 * advisory lock keyed on the lowercased name, so "MyQ" and "myq" cannot
 * race each other into one table; a name whose lowercase form belongs to
 * a differently spelled queue is refused.  Re-creating a queue is a quiet
 * no-op that only fills in what is missing (so queues whose tables were
 * made by a client, or left behind by DROP EXTENSION, are adopted).
 *
 * DDL here is built per call (it is not a hot path), always from a
 * validated name passed through quote_identifier().
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/queue.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "pgmq.h"

/*
 * Serialize create and drop of one queue: PGMQ's transaction-level
 * advisory lock, keyed on the lowercased name so that differently
 * spelled names of one table take the same lock.
 *
 * An advisory lock, unlike a relation lock, does not make the backend
 * read the catalog invalidations queued while it waited.  Read them here:
 * otherwise the catalog caches could still hold the row versions a
 * holder of the lock (grant_queue, say) has just replaced, and DDL built
 * on them fails with "tuple concurrently updated".
 */
void
pgmq_lock_queue_name(const char *key_name)
{
	DirectFunctionCall1(pg_advisory_xact_lock_int8,
						Int64GetDatum(pgmq_name_lock_key(key_name)));
	AcceptInvalidationMessages();
}

/* Run one statement (DDL, built from quoted names) inside SPI. */
void
pgmq_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "pgmq: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

static bool
relation_exists(const char *relname, Oid nsp)
{
	return OidIsValid(get_relname_relid(relname, nsp));
}

/*
 * Refuse a name whose lowercase form is registered under another spelling
 * (PGMQ would silently share one table between them).  Called holding the
 * name lock; read_only = false makes SPI take a fresh snapshot, so under
 * READ COMMITTED a registration committed while we waited for the lock is
 * seen.
 */
void
pgmq_check_spelling_conflict(const PgmqName *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	uint64		i;

	args[0] = CStringGetTextDatum(name->lower);
	if (SPI_execute_with_args("SELECT queue_name::pg_catalog.text FROM pgmq.meta "
							  "WHERE pg_catalog.lower(queue_name::pg_catalog.text) OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not read pgmq.meta");
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *existing = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		if (strcmp(existing, name->name) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("queue \"%s\" conflicts with existing queue \"%s\"",
							name->name, existing),
					 errdetail("Both names map to table \"%s.%s\"; queue names are case-insensitive.",
							   PGMQ_SCHEMA, name->qtable),
					 errhint("Use the existing name \"%s\", or choose a different name.",
							 existing)));
	}
}

/*
 * Register a queue in pgmq.meta (a no-op when it is registered already),
 * recording what its table really is.  Inside SPI.
 */
void
pgmq_register_queue(const PgmqName *name)
{
	Oid			qrelid = get_relname_relid(name->qtable, pgmq_schema_oid());
	Oid			argtypes[3] = {TEXTOID, BOOLOID, BOOLOID};
	Datum		args[3];

	args[0] = CStringGetTextDatum(name->name);
	args[1] = BoolGetDatum(get_rel_relkind(qrelid) == RELKIND_PARTITIONED_TABLE);
	args[2] = BoolGetDatum(get_rel_persistence(qrelid) == RELPERSISTENCE_UNLOGGED);
	if (SPI_execute_with_args("INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) "
							  "VALUES ($1, $2, $3) ON CONFLICT (queue_name) DO NOTHING",
							  3, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "pgmq: could not register queue in pgmq.meta");
}

/*
 * Storage parameters of a queue table we create (a table that exists
 * already keeps its own; clients may ALTER TABLE ... SET over these):
 *
 * vacuum_truncate = false: a drained queue keeps its pages after VACUUM.
 * Truncating them needs an ACCESS EXCLUSIVE lock that stalls every send
 * and read (and cancels standby queries), the next sends extend the file
 * again at once, and a queue table of 0 pages is planned as empty: kept
 * plans made then scan and sort the whole table instead of walking the
 * primary key, and keep doing so while the queue fills up.
 *
 * autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000:
 * vacuum after a fixed number of dead rows, not after a fraction of
 * reltuples, which after a large backlog is stale and huge.
 */
#define QUEUE_TABLE_OPTIONS \
	" WITH (vacuum_truncate = false, autovacuum_vacuum_scale_factor = 0, " \
	"autovacuum_vacuum_threshold = 1000)"

/*
 * Create whatever of the queue's objects is missing and register it.  The
 * table of a partitioned queue (create_partitioned) is left as it is: it
 * has no vt index by design.
 */
static void
create_queue(const PgmqName *name, bool unlogged)
{
	Oid			nsp;
	char		idxname[NAMEDATALEN];
	char	   *q;
	char	   *a;
	Oid			qrelid;

	pgmq_lock_queue_name(name->lower);
	nsp = pgmq_schema_oid();
	q = quote_qualified_identifier(PGMQ_SCHEMA, name->qtable);
	a = quote_qualified_identifier(PGMQ_SCHEMA, name->atable);

	pgmq_spi_connect();
	pgmq_check_spelling_conflict(name);

	if (!relation_exists(name->qtable, nsp))
		pgmq_exec(psprintf("CREATE %sTABLE %s (" PGMQ_QUEUE_COLUMNS("PRIMARY KEY GENERATED ALWAYS") ")"
						   QUEUE_TABLE_OPTIONS,
						   unlogged ? "UNLOGGED " : "", q),
				  SPI_OK_UTILITY);
	qrelid = get_relname_relid(name->qtable, nsp);

#ifdef PGMQ_HAVE_UNLOGGED_SEQUENCES
	/*
	 * An unlogged queue loses its messages in a crash, but its msg_id
	 * counter must not start again from 1: ids would be reused, and
	 * archive() would collide with rows of the (logged) archive table.
	 */
	if (unlogged)
	{
		AttrNumber	attnum = OidIsValid(qrelid) ? get_attnum(qrelid, "msg_id") : InvalidAttrNumber;
		Oid			seqid = attnum != InvalidAttrNumber ?
			getIdentitySequence(qrelid, attnum, true) : InvalidOid;

		if (OidIsValid(seqid) && get_rel_persistence(seqid) == RELPERSISTENCE_UNLOGGED)
			pgmq_exec(psprintf("ALTER SEQUENCE %s SET LOGGED",
							   quote_qualified_identifier(get_namespace_name(get_rel_namespace(seqid)),
														  get_rel_name(seqid))),
					  SPI_OK_UTILITY);
	}
#endif

	snprintf(idxname, NAMEDATALEN, "%s_vt_idx", name->qtable);
	if (get_rel_relkind(qrelid) != RELKIND_PARTITIONED_TABLE &&
		!relation_exists(idxname, nsp))
		pgmq_exec(psprintf("CREATE INDEX %s ON %s (vt)", quote_identifier(idxname), q),
				  SPI_OK_UTILITY);

	if (!relation_exists(name->atable, nsp))
		pgmq_exec(psprintf("CREATE TABLE %s (" PGMQ_ARCHIVE_COLUMNS("PRIMARY KEY") ")", a),
				  SPI_OK_UTILITY);
	pgmq_archive_index_name(name, idxname);
	if (!relation_exists(idxname, nsp))
		pgmq_exec(psprintf("CREATE INDEX %s ON %s (archived_at)", quote_identifier(idxname), a),
				  SPI_OK_UTILITY);

	pgmq_register_queue(name);
	pgmq_spi_finish();
}

/* create(queue_name text) -> void; also create_non_partitioned and create_queue */
PG_FUNCTION_INFO_V1(pgmq_create);
Datum
pgmq_create(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	create_queue(&name, false);
	PG_RETURN_VOID();
}

/* create_unlogged(queue_name text) -> void */
PG_FUNCTION_INFO_V1(pgmq_create_unlogged);
Datum
pgmq_create_unlogged(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	create_queue(&name, true);
	PG_RETURN_VOID();
}

/*
 * Drop a queue's tables, registration and pg_partman configuration.
 * Returns false (with PGMQ's NOTICE) when the queue table does not exist;
 * a stale registration is removed either way.
 */
static bool
drop_queue(const PgmqName *name)
{
	Oid			nsp;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		existed;

	pgmq_lock_queue_name(name->lower);
	nsp = pgmq_schema_oid();

	pgmq_spi_connect();
	args[0] = CStringGetTextDatum(name->lower);
	if (SPI_execute_with_args("DELETE FROM pgmq.meta "
							  "WHERE pg_catalog.lower(queue_name::pg_catalog.text) OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "pgmq: could not update pgmq.meta");

	/* pg_partman's configuration of the tables goes with them */
	pgmq_partman_forget(name);

	existed = relation_exists(name->qtable, nsp);
	if (existed)
		pgmq_exec(psprintf("DROP TABLE %s",
						 quote_qualified_identifier(PGMQ_SCHEMA, name->qtable)),
				SPI_OK_UTILITY);
	if (relation_exists(name->atable, nsp))
		pgmq_exec(psprintf("DROP TABLE %s",
						 quote_qualified_identifier(PGMQ_SCHEMA, name->atable)),
				SPI_OK_UTILITY);
	pgmq_spi_finish();

	pgmq_queue_forget(name);
	if (!existed)
		ereport(NOTICE,
				(errmsg("pgmq queue `%s` does not exist", name->name)));
	return existed;
}

/* drop_queue(queue_name text) -> boolean */
PG_FUNCTION_INFO_V1(pgmq_drop_queue);
Datum
pgmq_drop_queue(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	PG_RETURN_BOOL(drop_queue(&name));
}

/* drop_queue(queue_name text, partitioned boolean) -> boolean (deprecated: always true) */
PG_FUNCTION_INFO_V1(pgmq_drop_queue_deprecated);
Datum
pgmq_drop_queue_deprecated(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	ereport(WARNING,
			(errmsg("drop_queue(queue_name, partitioned) is deprecated and will be removed in PGMQ v2.0. Use drop_queue(queue_name) instead")));
	pgmq_name_from_arg(fcinfo, 0, &name);
	(void) drop_queue(&name);
	PG_RETURN_BOOL(true);
}

/*
 * purge_queue(queue_name text) -> bigint: the number of messages removed.
 * Like PGMQ this TRUNCATEs (ACCESS EXCLUSIVE lock; archive untouched;
 * msg_id sequence not reset).
 */
PG_FUNCTION_INFO_V1(pgmq_purge_queue);
Datum
pgmq_purge_queue(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	char	   *q;
	int64		count;
	bool		isnull;

	pgmq_name_from_arg(fcinfo, 0, &name);
	(void) pgmq_queue_open(&name, false, false);
	q = quote_qualified_identifier(PGMQ_SCHEMA, name.qtable);

	pgmq_spi_connect();
	/* lock first, so the count is exactly what TRUNCATE removes */
	pgmq_exec(psprintf("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", q), SPI_OK_UTILITY);
	pgmq_exec(psprintf("SELECT pg_catalog.count(*) FROM %s", q), SPI_OK_SELECT);
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	pgmq_exec(psprintf("TRUNCATE %s", q), SPI_OK_UTILITY);
	pgmq_spi_finish();

	PG_RETURN_INT64(count);
}

/* list_queues() -> SETOF pgmq.queue_record, in queue_name order */
PG_FUNCTION_INFO_V1(pgmq_list_queues);
Datum
pgmq_list_queues(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);
	SPIPlanPtr	plan;

	pgmq_spi_connect();
	plan = SPI_prepare("SELECT queue_name, is_partitioned, is_unlogged, created_at "
					   "FROM pgmq.meta ORDER BY queue_name", 0, NULL);
	if (plan == NULL)
		elog(ERROR, "pgmq: could not read pgmq.meta");
	pgmq_run_into_srf(rsinfo, plan, NULL, false);
	pgmq_spi_finish();
	return (Datum) 0;
}

/* detach_archive(queue_name text) -> void: deprecated no-op, as in PGMQ */
PG_FUNCTION_INFO_V1(pgmq_detach_archive);
Datum
pgmq_detach_archive(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	ereport(WARNING,
			(errmsg("detach_archive(queue_name) is deprecated and is a no-op. It will be removed in PGMQ v2.0. Archive tables are no longer member objects.")));
	PG_RETURN_VOID();
}

/* validate_queue_name(queue_name text) -> void: raises if the name is not acceptable */
PG_FUNCTION_INFO_V1(pgmq_validate_queue_name);
Datum
pgmq_validate_queue_name(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	PG_RETURN_VOID();
}

/*
 * format_table_name(queue_name text, prefix text) -> text:
 * lower(prefix || '_' || queue_name); NULL when either is NULL.
 */
PG_FUNCTION_INFO_V1(pgmq_format_table_name);
Datum
pgmq_format_table_name(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	char	   *prefix;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	pgmq_name_from_arg(fcinfo, 0, &name);
	prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));
	return DirectFunctionCall1Coll(lower, DEFAULT_COLLATION_OID,
								   CStringGetTextDatum(psprintf("%s_%s", prefix, name.name)));
}

/*
 * acquire_queue_lock(queue_name text) -> void: PGMQ's transaction-level
 * advisory lock for the name as given.
 */
PG_FUNCTION_INFO_V1(pgmq_acquire_queue_lock);
Datum
pgmq_acquire_queue_lock(PG_FUNCTION_ARGS)
{
	PgmqName	name;

	pgmq_name_from_arg(fcinfo, 0, &name);
	pgmq_lock_queue_name(name.name);
	PG_RETURN_VOID();
}
