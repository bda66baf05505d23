/*-------------------------------------------------------------------------
 *
 * plancache.c
 *	  Per-backend cache of prepared, kept SPI plans, one set per queue.
 *
 * Every hot-path statement (send, read, pop, delete, archive, set_vt,
 * metrics) is prepared the first time a backend uses it on a queue, kept
 * with SPI_keepplan(), and reused for the life of the backend.  All SQL
 * text is built here, once per queue and statement, from fixed templates:
 * identifiers are quoted, values are always $n parameters, and every
 * operator and function is schema-qualified so a hostile search_path
 * cannot capture them.
 *
 * Statements are shaped so that the generic plan is the good plan (no
 * "LIMIT $n" in a join; the claim subquery is an InitPlan feeding
 * "msg_id = ANY(...)"), and prepared with CURSOR_OPT_GENERIC_PLAN so the
 * plan cache never re-plans per call.  test/sql/70_plans.sql shows them.
 *
 * Staleness: each call resolves the queue table by name in the pgmq
 * schema (a syscache lookup).  A missing table is "queue does not exist";
 * a table whose OID changed (dropped and re-created, or the extension
 * dropped and re-installed) gets its plans freed and prepared again.
 * Anything else (ALTER TABLE, new indexes, ANALYZE) is handled by the
 * core plan cache, which re-validates kept plans itself.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/plancache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "pgmq.h"

struct PgmqQueue
{
	char		key[NAMEDATALEN];	/* lowercased queue name: hash key */
	Oid			qrelid;			/* pgmq.q_<key> when the plans were made */
	Oid			arelid;			/* pgmq.a_<key>, or InvalidOid if unchecked */
	char		qtable[NAMEDATALEN];
	char		atable[NAMEDATALEN];
	SPIPlanPtr	plans[PGMQ_NUM_PLANS];
	PgmqSkipHint hint;			/* where this backend's claims may start */
};

/* Columns of pgmq.message_record, in order, as RETURNING lists them. */
#define MSG_COLS \
	"msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"

/*
 * Claim subquery shared by read and pop: the lowest visible msg_ids, locked,
 * skipping rows other transactions hold.  @Q@ is the queue table.  The
 * *_FROM variants add a lower bound on msg_id (the skip hint, read.c), so
 * the generic plan's primary-key scan starts at the bound instead of at the
 * lowest msg_id.
 */
#define CLAIM(extra, limitparam) \
	"SELECT c.msg_id FROM @Q@ c " \
	"WHERE c.vt OPERATOR(pg_catalog.<=) $2" extra " " \
	"ORDER BY c.msg_id LIMIT " limitparam " FOR UPDATE SKIP LOCKED"

#define READ_SQL(extra) \
	"UPDATE @Q@ q SET vt = $1, " \
	"read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2 " \
	"WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(" CLAIM(extra, "$3") ")) " \
	"RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers"

#define ARCHIVE_SQL(cond) \
	"WITH moved AS (DELETE FROM @Q@ WHERE " cond " RETURNING " MSG_COLS ") " \
	"INSERT INTO @A@ (" MSG_COLS ") SELECT " MSG_COLS " FROM moved RETURNING msg_id"

#define GROUP_X PGMQ_GROUP_EXPR("x.")

typedef struct PgmqPlanDef
{
	const char *sql;			/* @Q@ = queue table, @A@ = archive table,
								 * @SEQ@ = sequence expression (metrics) */
	int			nargs;
	Oid			argtypes[5];
} PgmqPlanDef;

static const PgmqPlanDef plan_defs[PGMQ_NUM_PLANS] = {
	[PGMQ_PLAN_SEND] = {
		"INSERT INTO @Q@ (vt, message, headers) VALUES ($1, $2, $3) RETURNING msg_id",
		3, {TIMESTAMPTZOID, JSONBOID, JSONBOID}
	},
	/*
	 * A batch: unnest in the select list runs as a ProjectSet, which hands
	 * the INSERT one element at a time; unnest in FROM would first copy the
	 * whole array into a tuplestore.  Rows, hence ids, follow array order;
	 * the two unnests run in lockstep, a NULL headers array giving NULL
	 * headers (31_send_batch checks both).  Without headers, one unnest.
	 */
	[PGMQ_PLAN_SEND_BATCH] = {
		"INSERT INTO @Q@ (vt, message, headers) "
		"SELECT $1, pg_catalog.unnest($2), pg_catalog.unnest($3) RETURNING msg_id",
		3, {TIMESTAMPTZOID, JSONBARRAYOID, JSONBARRAYOID}
	},
	[PGMQ_PLAN_SEND_BATCH_BARE] = {
		"INSERT INTO @Q@ (vt, message) "
		"SELECT $1, pg_catalog.unnest($2) RETURNING msg_id",
		2, {TIMESTAMPTZOID, JSONBARRAYOID}
	},
	[PGMQ_PLAN_READ] = {
		READ_SQL(""),
		3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID}
	},
	[PGMQ_PLAN_READ_COND] = {
		READ_SQL(" AND c.message OPERATOR(pg_catalog.@>) $4"),
		4, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, JSONBOID}
	},
	[PGMQ_PLAN_POP] = {
		"DELETE FROM @Q@ q "
		"WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(" CLAIM("", "$1") ")) "
		"RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers",
		2, {INT8OID, TIMESTAMPTZOID}
	},
	[PGMQ_PLAN_READ_FROM] = {
		READ_SQL(" AND c.msg_id OPERATOR(pg_catalog.>=) $4"),
		4, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID}
	},
	[PGMQ_PLAN_READ_COND_FROM] = {
		READ_SQL(" AND c.message OPERATOR(pg_catalog.@>) $4 AND c.msg_id OPERATOR(pg_catalog.>=) $5"),
		5, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, JSONBOID, INT8OID}
	},
	[PGMQ_PLAN_POP_FROM] = {
		"DELETE FROM @Q@ q "
		"WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		CLAIM(" AND c.msg_id OPERATOR(pg_catalog.>=) $3", "$1") ")) "
		"RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers",
		3, {INT8OID, TIMESTAMPTZOID, INT8OID}
	},
	/* the skip hint's probe: one descent of the primary key */
	[PGMQ_PLAN_LOWEST_ID] = {
		"SELECT c.msg_id FROM @Q@ c ORDER BY c.msg_id LIMIT 1",
		0, {InvalidOid}
	},
	/*
	 * The skip hint itself: the lowest msg_id that may be visible before $1.
	 * Walks the head once, without locking anything.
	 */
	[PGMQ_PLAN_SKIP_HINT] = {
		"SELECT c.msg_id FROM @Q@ c WHERE c.vt OPERATOR(pg_catalog.<=) $1 "
		"ORDER BY c.msg_id LIMIT 1",
		1, {TIMESTAMPTZOID}
	},
	[PGMQ_PLAN_DELETE] = {
		"DELETE FROM @Q@ WHERE msg_id OPERATOR(pg_catalog.=) $1 RETURNING msg_id",
		1, {INT8OID}
	},
	[PGMQ_PLAN_DELETE_BATCH] = {
		"DELETE FROM @Q@ WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1) RETURNING msg_id",
		1, {INT8ARRAYOID}
	},
	[PGMQ_PLAN_ARCHIVE] = {
		ARCHIVE_SQL("msg_id OPERATOR(pg_catalog.=) $1"),
		1, {INT8OID}
	},
	[PGMQ_PLAN_ARCHIVE_BATCH] = {
		ARCHIVE_SQL("msg_id OPERATOR(pg_catalog.=) ANY ($1)"),
		1, {INT8ARRAYOID}
	},
	[PGMQ_PLAN_SET_VT] = {
		"UPDATE @Q@ SET vt = $2 WHERE msg_id OPERATOR(pg_catalog.=) $1 RETURNING " MSG_COLS,
		2, {INT8OID, TIMESTAMPTZOID}
	},
	[PGMQ_PLAN_SET_VT_BATCH] = {
		"UPDATE @Q@ SET vt = $2 WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1) RETURNING " MSG_COLS,
		2, {INT8ARRAYOID, TIMESTAMPTZOID}
	},
	[PGMQ_PLAN_METRICS] = {
		"SELECT pg_catalog.count(*), "
		"pg_catalog.count(*) FILTER (WHERE vt OPERATOR(pg_catalog.<=) $1), "
		"pg_catalog.max(enqueued_at), pg_catalog.min(enqueued_at), "
		"(@SEQ@) FROM @Q@",
		1, {TIMESTAMPTZOID}
	},
	[PGMQ_PLAN_NEXT_VT] = {
		"SELECT pg_catalog.min(vt) FROM @Q@ WHERE vt OPERATOR(pg_catalog.>=) $1",
		1, {TIMESTAMPTZOID}
	},

	/*
	 * FIFO groups (grouped.c).  Each group's head (lowest msg_id) when it
	 * is visible, oldest head first.  With the FIFO index on (group,
	 * msg_id): a loose index scan, one descent per group (the first row
	 * after the previous group is the next group's head), whatever the
	 * queue's length.
	 */
	[PGMQ_PLAN_GRP_HEADS_IDX] = {
		"WITH RECURSIVE g(grp, msg_id, vt) AS ("
		"(SELECT " GROUP_X ", x.msg_id, x.vt FROM @Q@ x ORDER BY 1, 2 LIMIT 1) "
		"UNION ALL "
		"SELECT n.grp, n.msg_id, n.vt FROM g CROSS JOIN LATERAL "
		"(SELECT " GROUP_X " AS grp, x.msg_id, x.vt FROM @Q@ x "
		"WHERE " GROUP_X " OPERATOR(pg_catalog.>) g.grp ORDER BY 1, 2 LIMIT 1) n) "
		"SELECT g.grp, g.msg_id FROM g WHERE g.vt OPERATOR(pg_catalog.<=) $1 ORDER BY g.msg_id",
		1, {TIMESTAMPTZOID}
	},
	/*
	 * Without the FIFO index: one pass (and one sort) over the queue gives
	 * every group's first $1 messages, group by group in msg_id order; the
	 * caller keeps the groups whose head is visible and orders them (the
	 * index path reads each taken group's run separately instead).
	 */
	[PGMQ_PLAN_GRP_RUNS_SCAN] = {
		"SELECT s.grp, s.msg_id, s.vt, s.rn FROM ("
		"SELECT " GROUP_X " AS grp, x.msg_id, x.vt, "
		"pg_catalog.row_number() OVER (PARTITION BY " GROUP_X " ORDER BY x.msg_id) AS rn "
		"FROM @Q@ x) s "
		"WHERE s.rn OPERATOR(pg_catalog.<=) $1",
		1, {INT8OID}
	},
	/* take a group: lock its head, unless another reader holds it */
	[PGMQ_PLAN_GRP_LOCK] = {
		"SELECT msg_id FROM @Q@ WHERE msg_id OPERATOR(pg_catalog.=) $1 "
		"AND vt OPERATOR(pg_catalog.<=) $2 FOR UPDATE SKIP LOCKED",
		2, {INT8OID, TIMESTAMPTZOID}
	},
	/*
	 * A group's messages from its head on, in order.  Written as a range
	 * over (group, msg_id) rather than "group = $1 ORDER BY msg_id", which
	 * the planner likes to answer by walking the primary key and filtering
	 * out every other group's rows; the caller stops at the group's end.
	 */
	[PGMQ_PLAN_GRP_PREFIX] = {
		"SELECT " GROUP_X ", x.msg_id, x.vt FROM @Q@ x "
		"WHERE (" GROUP_X ", x.msg_id) OPERATOR(pg_catalog.>=) ($1, $2) "
		"ORDER BY 1, 2 LIMIT $3",
		3, {TEXTOID, INT8OID, INT8OID}
	},
	/* lock a run's rows; the caller keeps the run up to the first miss */
	[PGMQ_PLAN_GRP_LOCK_RUN] = {
		"SELECT msg_id FROM @Q@ WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1) "
		"AND vt OPERATOR(pg_catalog.<=) $2 ORDER BY msg_id FOR UPDATE SKIP LOCKED",
		2, {INT8ARRAYOID, TIMESTAMPTZOID}
	},
	/* claim the chosen ids like read does; rows come back in array order */
	[PGMQ_PLAN_GRP_CLAIM] = {
		"WITH u AS (UPDATE @Q@ q SET vt = $1, "
		"read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2 "
		"WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		"SELECT c.msg_id FROM @Q@ c WHERE c.msg_id OPERATOR(pg_catalog.=) ANY ($3) "
		"AND c.vt OPERATOR(pg_catalog.<=) $2 FOR UPDATE SKIP LOCKED)) "
		"RETURNING " MSG_COLS ") "
		"SELECT u.msg_id, u.read_ct, u.enqueued_at, u.last_read_at, u.vt, u.message, u.headers "
		"FROM u JOIN ROWS FROM (pg_catalog.unnest($3)) WITH ORDINALITY AS o(id, n) "
		"ON u.msg_id OPERATOR(pg_catalog.=) o.id ORDER BY o.n",
		3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8ARRAYOID}
	},
};

static HTAB *queue_cache = NULL;

static void
pgmq_cache_init(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(PgmqQueue);
	ctl.hcxt = TopMemoryContext;
	queue_cache = hash_create("pgmq queue plans", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static void
pgmq_queue_free_plans(PgmqQueue *queue)
{
	int			i;

	for (i = 0; i < PGMQ_NUM_PLANS; i++)
	{
		if (queue->plans[i] != NULL)
		{
			SPI_freeplan(queue->plans[i]);
			queue->plans[i] = NULL;
		}
	}
}

Oid
pgmq_schema_oid(void)
{
	Oid			nsp = get_namespace_oid(PGMQ_SCHEMA, true);

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", PGMQ_SCHEMA),
				 errhint("Run CREATE EXTENSION pgmq.")));
	return nsp;
}

/*
 * Find the queue's tables and its cached plans.  Raises "queue does not
 * exist" (42P01) unless missing_ok, in which case NULL is returned.  With
 * need_archive the archive table must exist too.
 */
PgmqQueue *
pgmq_queue_open(const PgmqName *name, bool need_archive, bool missing_ok)
{
	Oid			nsp = pgmq_schema_oid();
	Oid			qrelid = get_relname_relid(name->qtable, nsp);
	PgmqQueue  *queue;
	bool		found;

	if (!OidIsValid(qrelid))
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("queue \"%s\" does not exist", name->name),
				 errhint("Create it with pgmq.create('%s').", name->name)));
	}

	if (queue_cache == NULL)
		pgmq_cache_init();
	queue = hash_search(queue_cache, name->lower, HASH_ENTER, &found);
	if (!found)
	{
		memset(queue->plans, 0, sizeof(queue->plans));
		memset(&queue->hint, 0, sizeof(queue->hint));
		queue->qrelid = qrelid;
		queue->arelid = InvalidOid;
		strlcpy(queue->qtable, name->qtable, NAMEDATALEN);
		strlcpy(queue->atable, name->atable, NAMEDATALEN);
	}
	else if (queue->qrelid != qrelid)
	{
		/* dropped and re-created since we prepared: start over */
		pgmq_queue_free_plans(queue);
		memset(&queue->hint, 0, sizeof(queue->hint));
		queue->qrelid = qrelid;
		queue->arelid = InvalidOid;
	}

	if (need_archive)
	{
		Oid			arelid = get_relname_relid(name->atable, nsp);

		if (!OidIsValid(arelid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("archive table of queue \"%s\" does not exist", name->name),
					 errdetail("Table \"%s.%s\" is missing.", PGMQ_SCHEMA, name->atable),
					 errhint("Run pgmq.create('%s') to re-create it.", name->name)));
		if (queue->arelid != arelid)
		{
			if (queue->plans[PGMQ_PLAN_ARCHIVE])
				SPI_freeplan(queue->plans[PGMQ_PLAN_ARCHIVE]);
			if (queue->plans[PGMQ_PLAN_ARCHIVE_BATCH])
				SPI_freeplan(queue->plans[PGMQ_PLAN_ARCHIVE_BATCH]);
			queue->plans[PGMQ_PLAN_ARCHIVE] = NULL;
			queue->plans[PGMQ_PLAN_ARCHIVE_BATCH] = NULL;
			queue->arelid = arelid;
		}
	}
	return queue;
}

/* "q_<name>_fifo_idx", the FIFO index's name (PGMQ's) */
void
pgmq_fifo_index_name(const char *qtable, char *out)
{
	snprintf(out, NAMEDATALEN, "%s_fifo_idx", qtable);
}

/*
 * Whether the queue has our FIFO index: a btree of that name on the queue
 * table (PGMQ's own create_fifo_index made a GIN index on headers under
 * the same name, which cannot serve the group order).  A syscache lookup
 * per call, so an index created or dropped since is noticed at once.
 */
bool
pgmq_queue_has_fifo_index(PgmqQueue *queue)
{
	char		idxname[NAMEDATALEN];
	Oid			idxoid;
	HeapTuple	tup;
	bool		ok = false;

	pgmq_fifo_index_name(queue->qtable, idxname);
	idxoid = get_relname_relid(idxname, get_rel_namespace(queue->qrelid));
	if (!OidIsValid(idxoid))
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(idxoid));
	if (HeapTupleIsValid(tup))
	{
		ok = ((Form_pg_class) GETSTRUCT(tup))->relam == BTREE_AM_OID;
		ReleaseSysCache(tup);
	}
	return ok;
}

Oid
pgmq_queue_relid(PgmqQueue *queue)
{
	return queue->qrelid;
}

/* This backend's skip hint for the queue (kept and used by read.c). */
PgmqSkipHint *
pgmq_queue_skip_hint(PgmqQueue *queue)
{
	return &queue->hint;
}

/* The queue's name, lowercased (for messages). */
const char *
pgmq_queue_name(PgmqQueue *queue)
{
	return queue->key;
}

/*
 * The expression metrics uses for total_messages: the identity sequence's
 * last value, or 0 when it was never called (or the table has none).
 */
static char *
pgmq_sequence_expr(PgmqQueue *queue)
{
	AttrNumber	attnum = get_attnum(queue->qrelid, "msg_id");
	Oid			seqid = InvalidOid;

	if (attnum != InvalidAttrNumber)
		seqid = getIdentitySequence(queue->qrelid, attnum, true);
	if (!OidIsValid(seqid))
	{
		List	   *owned = getOwnedSequences(queue->qrelid);

		if (owned != NIL)
			seqid = linitial_oid(owned);
	}
	if (!OidIsValid(seqid))
		return pstrdup("SELECT 0::pg_catalog.int8");

	return psprintf("SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END FROM %s s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(seqid)),
											   get_rel_name(seqid)));
}

/*
 * Expand a statement template: every @Q@, @A@ and @SEQ@ is replaced by
 * the (already quoted) queue table, archive table and sequence expression.
 */
static char *
expand_template(const char *tmpl, const char *q, const char *a, const char *seq)
{
	StringInfoData buf;
	const char *p = tmpl;

	initStringInfo(&buf);
	while (*p)
	{
		if (strncmp(p, "@Q@", 3) == 0)
		{
			appendStringInfoString(&buf, q);
			p += 3;
		}
		else if (strncmp(p, "@A@", 3) == 0)
		{
			appendStringInfoString(&buf, a);
			p += 3;
		}
		else if (strncmp(p, "@SEQ@", 5) == 0)
		{
			appendStringInfoString(&buf, seq);
			p += 5;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * Prepare a statement for the generic plan and keep it for the life of the
 * backend: every kept plan of the extension (queues, topics, notification
 * throttling) is made here.  Inside SPI.
 */
SPIPlanPtr
pgmq_prepare_kept(const char *sql, int nargs, const Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes,
										  CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		elog(ERROR, "pgmq: SPI_prepare_cursor failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "pgmq: SPI_keepplan failed");
	return plan;
}

/*
 * The kept plan of one statement for this queue, prepared on first use.
 * Must be called inside an SPI connection.
 */
SPIPlanPtr
pgmq_queue_plan(PgmqQueue *queue, PgmqPlanKind kind)
{
	const PgmqPlanDef *def = &plan_defs[kind];
	char	   *qname;
	char	   *aname;
	char	   *seq = "";
	char	   *sql;
	SPIPlanPtr	plan;

	if (queue->plans[kind] != NULL)
		return queue->plans[kind];

	qname = quote_qualified_identifier(PGMQ_SCHEMA, queue->qtable);
	aname = quote_qualified_identifier(PGMQ_SCHEMA, queue->atable);
	if (kind == PGMQ_PLAN_METRICS)
		seq = pgmq_sequence_expr(queue);
	sql = expand_template(def->sql, qname, aname, seq);

	plan = pgmq_prepare_kept(sql, def->nargs, def->argtypes);
	queue->plans[kind] = plan;
	pfree(sql);
	return plan;
}

/*
 * Drop what we cached for a queue (after drop_queue in this backend).
 */
void
pgmq_queue_forget(const PgmqName *name)
{
	PgmqQueue  *queue;

	if (queue_cache == NULL)
		return;
	queue = hash_search(queue_cache, name->lower, HASH_FIND, NULL);
	if (queue != NULL)
	{
		pgmq_queue_free_plans(queue);
		hash_search(queue_cache, name->lower, HASH_REMOVE, NULL);
	}
}
