/*-------------------------------------------------------------------------
 *
 * grants.c
 *	  pgmq.grant_queue and pgmq.revoke_queue: give an ordinary role the use
 *	  of one queue (or take it back) without hand-written table GRANTs.
 *
 * pgmq's functions run with the caller's rights (README "Privileges"), so
 * using a queue means holding privileges on its tables.  The sets below
 * are exactly what the functions need (test/sql/16_grant_queue.sql shows
 * each of them working and each missing right refused):
 *
 *	producer	send, send_batch, send_topic, send_batch_topic:
 *				INSERT (vt, message, headers) and SELECT (msg_id) on
 *				pgmq.q_<q> -- column privileges, so a producer can neither
 *				read messages nor forge msg_id, read_ct or enqueued_at.
 *				Topic sends read pgmq.topic_bindings; the insert
 *				notification trigger reads pgmq.notify_insert_throttle and
 *				writes its last_notified_at.  The identity sequence needs
 *				no right (an identity column draws from it unchecked).
 *	consumer	read, read_with_poll, the grouped reads, pop, set_vt,
 *				delete, archive, metrics: SELECT, UPDATE, DELETE on
 *				pgmq.q_<q> (row locks need UPDATE), SELECT, INSERT on
 *				pgmq.a_<q>, SELECT on the msg_id sequence (metrics).
 *	all			both, and TRUNCATE on pgmq.q_<q> (purge_queue).
 *
 * Every kind also gets USAGE on schema pgmq and SELECT on pgmq.meta
 * (list_queues, metrics_all).  These shared rights, and those on
 * topic_bindings and notify_insert_throttle, are granted only when the
 * role does not already hold them, and revoke_queue leaves them alone:
 * other queues may rely on them, and none of them reaches any queue's
 * messages.
 *
 * Nothing runs as anyone but the caller (no SECURITY DEFINER), and the
 * caller must be able to grant each privilege: the tables' owner, a
 * superuser, or a holder WITH GRANT OPTION.  That is checked for every
 * privilege before the first GRANT, so a call either grants everything or
 * fails with "permission denied" (42501) having changed nothing; GRANT
 * itself would only warn and grant part.  All SQL is built from validated
 * names passed through quote_identifier(), and everything it names is
 * schema-qualified.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/grants.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmq.h"

/* Access kinds, as bits: a kind is a set of these. */
#define ACCESS_PRODUCER		0x01
#define ACCESS_CONSUMER		0x02
#define ACCESS_PURGE		0x04
#define ACCESS_ANY			(ACCESS_PRODUCER | ACCESS_CONSUMER | ACCESS_PURGE)

/* The objects a privilege is on. */
typedef enum PrivTarget
{
	TARGET_SCHEMA,				/* schema pgmq */
	TARGET_META,				/* pgmq.meta */
	TARGET_BINDINGS,			/* pgmq.topic_bindings */
	TARGET_THROTTLE,			/* pgmq.notify_insert_throttle */
	TARGET_QUEUE,				/* pgmq.q_<q> */
	TARGET_ARCHIVE,				/* pgmq.a_<q> */
	TARGET_SEQUENCE,			/* the msg_id identity sequence of q_<q> */
	NUM_TARGETS
} PrivTarget;

/* Shared objects: granted only when missing, never revoked. */
#define TARGET_IS_SHARED(t) ((t) <= TARGET_THROTTLE)

typedef struct QueuePriv
{
	int			kinds;			/* ACCESS_* bits it belongs to */
	PrivTarget	target;
	const char *privilege;		/* SELECT, INSERT, ... */
	const char *column;			/* a column privilege; NULL: the object */
} QueuePriv;

static const QueuePriv queue_privs[] = {
	{ACCESS_ANY, TARGET_SCHEMA, "USAGE", NULL},
	{ACCESS_ANY, TARGET_META, "SELECT", NULL},
	{ACCESS_PRODUCER, TARGET_BINDINGS, "SELECT", NULL},
	{ACCESS_PRODUCER, TARGET_THROTTLE, "SELECT", NULL},
	{ACCESS_PRODUCER, TARGET_THROTTLE, "UPDATE", "last_notified_at"},
	{ACCESS_PRODUCER, TARGET_QUEUE, "INSERT", "vt"},
	{ACCESS_PRODUCER, TARGET_QUEUE, "INSERT", "message"},
	{ACCESS_PRODUCER, TARGET_QUEUE, "INSERT", "headers"},
	{ACCESS_PRODUCER, TARGET_QUEUE, "SELECT", "msg_id"},
	{ACCESS_CONSUMER, TARGET_QUEUE, "SELECT", NULL},
	{ACCESS_CONSUMER, TARGET_QUEUE, "UPDATE", NULL},
	{ACCESS_CONSUMER, TARGET_QUEUE, "DELETE", NULL},
	{ACCESS_CONSUMER, TARGET_ARCHIVE, "SELECT", NULL},
	{ACCESS_CONSUMER, TARGET_ARCHIVE, "INSERT", NULL},
	{ACCESS_CONSUMER, TARGET_SEQUENCE, "SELECT", NULL},
	{ACCESS_PURGE, TARGET_QUEUE, "TRUNCATE", NULL},
};

#define NUM_QUEUE_PRIVS (sizeof(queue_privs) / sizeof(queue_privs[0]))

/* One call's objects: OIDs (InvalidOid: absent) and quoted names. */
typedef struct GrantObjects
{
	Oid			oid[NUM_TARGETS];
	char	   *sqlname[NUM_TARGETS];	/* quoted, qualified */
	const char *shown[NUM_TARGETS]; /* bare, for messages */
} GrantObjects;

static const char *const target_kind[NUM_TARGETS] = {
	[TARGET_SCHEMA] = "schema",
	[TARGET_META] = "table",
	[TARGET_BINDINGS] = "table",
	[TARGET_THROTTLE] = "table",
	[TARGET_QUEUE] = "table",
	[TARGET_ARCHIVE] = "table",
	[TARGET_SEQUENCE] = "sequence",
};

/* At most the first 63 bytes of a rejected value, for an error message. */
static char *
clipped(const char *str)
{
	int			len = strlen(str);
	int			show = pg_mbcliplen(str, len, NAMEDATALEN - 1);

	return show < len ? psprintf("%.*s...", show, str) : pstrdup(str);
}

/*
 * The access kind argument: 'producer', 'consumer' or 'all'
 * (case-insensitive), as the set of ACCESS_* bits it grants.
 */
static int
access_from_arg(FunctionCallInfo fcinfo, int argno, bool revoking)
{
	char	   *kind;

	pgmq_require_arg(fcinfo, argno, "access");
	kind = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (pg_strcasecmp(kind, "producer") == 0)
		return ACCESS_PRODUCER;
	/* taking away consumption takes purging with it */
	if (pg_strcasecmp(kind, "consumer") == 0)
		return revoking ? ACCESS_CONSUMER | ACCESS_PURGE : ACCESS_CONSUMER;
	if (pg_strcasecmp(kind, "all") == 0)
		return ACCESS_ANY;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid access kind \"%s\"", clipped(kind)),
			 errhint("Use 'producer', 'consumer' or 'all'.")));
	return 0;					/* keep the compiler quiet */
}

/*
 * The role argument: an existing role (not PUBLIC), returned as its OID;
 * *name gets the name.
 */
static Oid
role_from_arg(FunctionCallInfo fcinfo, int argno, char **name)
{
	char	   *role;

	pgmq_require_arg(fcinfo, argno, "role name");
	role = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	/* no role has a longer name; do not show all of it */
	if (strlen(role) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" does not exist", clipped(role))));
	*name = role;
	return get_role_oid(role, false);
}

/* Run a query returning one boolean; parameters are (oid, oid, text). */
static bool
query_bool(const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args(sql, nargs, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "pgmq: privilege check failed: %s", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

/*
 * Whether role (InvalidOid: the current user) holds the privilege; with
 * grant_option, whether it holds it WITH GRANT OPTION (may grant it).
 * Membership and PUBLIC count, as everywhere in PostgreSQL.
 */
static bool
has_priv(const GrantObjects *objs, const QueuePriv *p, Oid role, bool grant_option)
{
	Oid			argtypes[4];
	Datum		args[4];
	int			n = 0;
	const char *fn;
	char	   *sql;
	char	   *priv = psprintf("%s%s", p->privilege, grant_option ? " WITH GRANT OPTION" : "");

	if (OidIsValid(role))
	{
		argtypes[n] = OIDOID;
		args[n++] = ObjectIdGetDatum(role);
	}
	argtypes[n] = OIDOID;
	args[n++] = ObjectIdGetDatum(objs->oid[p->target]);
	if (p->column != NULL)
	{
		argtypes[n] = TEXTOID;
		args[n++] = CStringGetTextDatum(p->column);
	}
	argtypes[n] = TEXTOID;
	args[n++] = CStringGetTextDatum(priv);

	if (p->target == TARGET_SCHEMA)
		fn = "has_schema_privilege";
	else if (p->target == TARGET_SEQUENCE)
		fn = "has_sequence_privilege";
	else if (p->column != NULL)
		fn = "has_column_privilege";
	else
		fn = "has_table_privilege";

	switch (n)
	{
		case 2:
			sql = psprintf("SELECT pg_catalog.%s($1, $2)", fn);
			break;
		case 3:
			sql = psprintf("SELECT pg_catalog.%s($1, $2, $3)", fn);
			break;
		default:
			sql = psprintf("SELECT pg_catalog.%s($1, $2, $3, $4)", fn);
			break;
	}
	return query_bool(sql, n, argtypes, args);
}

/* "SELECT" or "INSERT (vt)", as GRANT and REVOKE take it */
static char *
priv_sql(const QueuePriv *p)
{
	if (p->column == NULL)
		return pstrdup(p->privilege);
	return psprintf("%s (%s)", p->privilege, quote_identifier(p->column));
}

/* "GRANT SELECT ON TABLE pgmq.q_x TO r", or with REVOKE ... FROM */
static char *
priv_statement(const char *verb, const QueuePriv *p, const GrantObjects *objs,
			   const char *preposition, const char *role_name)
{
	return psprintf("%s %s ON %s %s %s %s", verb, priv_sql(p),
					p->target == TARGET_SCHEMA ? "SCHEMA" :
					p->target == TARGET_SEQUENCE ? "SEQUENCE" : "TABLE",
					objs->sqlname[p->target], preposition,
					quote_identifier(role_name));
}

/*
 * Raise "permission denied" (42501, PostgreSQL's wording) unless the
 * current user may grant (and so revoke) the privilege.
 */
static void
require_grantable(const GrantObjects *objs, const QueuePriv *p, const char *queue)
{
	if (has_priv(objs, p, InvalidOid, true))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for %s %s",
					target_kind[p->target], objs->shown[p->target]),
			 errdetail("Giving or taking the use of queue \"%s\" needs the right to grant %s on %s %s: "
					   "its owner, a superuser or a role holding it WITH GRANT OPTION has it.",
					   queue, priv_sql(p), target_kind[p->target], objs->sqlname[p->target]),
			 TARGET_IS_SHARED(p->target) ?
			 errhint("Shared rights are granted only to roles that lack them; a superuser can grant %s on %s %s first.",
					 priv_sql(p), target_kind[p->target], objs->sqlname[p->target]) : 0));
}

static void
set_object(GrantObjects *objs, PrivTarget t, Oid oid, const char *nsp, const char *rel)
{
	objs->oid[t] = oid;
	objs->sqlname[t] = rel == NULL ? pstrdup(quote_identifier(nsp)) :
		quote_qualified_identifier(nsp, rel);
	objs->shown[t] = rel == NULL ? nsp : rel;
}

/*
 * Find the objects of one call.  The queue table must exist
 * (42P01, "queue does not exist"); the archive must too when need_archive.
 * The sequence is InvalidOid for a table without an identity msg_id.
 */
static void
find_objects(const PgmqName *name, bool need_archive, GrantObjects *objs)
{
	Oid			nsp = pgmq_schema_oid();
	static const char *const shared[] = {
		[TARGET_META] = "meta",
		[TARGET_BINDINGS] = "topic_bindings",
		[TARGET_THROTTLE] = "notify_insert_throttle",
	};
	int			t;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	Datum		seq;

	memset(objs, 0, sizeof(*objs));
	set_object(objs, TARGET_SCHEMA, nsp, PGMQ_SCHEMA, NULL);
	for (t = TARGET_META; t <= TARGET_THROTTLE; t++)
	{
		Oid			relid = get_relname_relid(shared[t], nsp);

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"%s.%s\" does not exist", PGMQ_SCHEMA, shared[t]),
					 errhint("Re-create the extension.")));
		set_object(objs, t, relid, PGMQ_SCHEMA, shared[t]);
	}

	set_object(objs, TARGET_QUEUE, get_relname_relid(name->qtable, nsp),
			   PGMQ_SCHEMA, name->qtable);
	if (!OidIsValid(objs->oid[TARGET_QUEUE]))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("queue \"%s\" does not exist", name->name),
				 errhint("Create it with pgmq.create('%s').", name->name)));

	set_object(objs, TARGET_ARCHIVE, get_relname_relid(name->atable, nsp),
			   PGMQ_SCHEMA, name->atable);
	if (need_archive && !OidIsValid(objs->oid[TARGET_ARCHIVE]))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("archive table of queue \"%s\" does not exist", name->name),
				 errdetail("Table \"%s.%s\" is missing.", PGMQ_SCHEMA, name->atable),
				 errhint("Run pgmq.create('%s') to re-create it.", name->name)));

	/* the identity sequence, wherever and however it is called */
	args[0] = CStringGetTextDatum(objs->sqlname[TARGET_QUEUE]);
	if (SPI_execute_with_args("SELECT pg_catalog.pg_get_serial_sequence($1, 'msg_id')"
							  "::pg_catalog.regclass::pg_catalog.oid",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "pgmq: could not look up the msg_id sequence of \"%s\"", name->qtable);
	seq = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
	{
		Oid			seqid = DatumGetObjectId(seq);

		set_object(objs, TARGET_SEQUENCE, seqid,
				   get_namespace_name(get_rel_namespace(seqid)), get_rel_name(seqid));
	}
}

/*
 * GRANT and REVOKE rewrite the catalog row of each object (its ACL) but,
 * unlike other DDL, lock nothing, so on their own they race any other
 * rewrite of that row: TRUNCATE (purge_queue) or ALTER of the queue table,
 * a GRANT on the same object by another grant_queue.  The loser fails with
 * "tuple concurrently updated" (XX000).  So take, before any check:
 *
 *	- ACCESS SHARE on the queue's tables and sequence: no wait for sends
 *	  and reads, but purge_queue and ALTER TABLE wait for us, and we for
 *	  them (and then see what they changed);
 *	- with shared, SHARE UPDATE EXCLUSIVE on schema pgmq as an object (the
 *	  lock CREATE TABLE and DROP SCHEMA take is weaker or stronger; this
 *	  one is taken only here): two grant_queue calls for different queues
 *	  would otherwise race on the rows of schema pgmq, pgmq.meta and the
 *	  other shared tables.
 *
 * The name lock already serializes grant_queue and revoke_queue of one
 * queue.  A relation dropped while we waited (by hand: drop_queue takes
 * the name lock) is reported as a missing queue.
 */
static void
lock_objects(const PgmqName *name, const GrantObjects *objs, bool shared)
{
	PrivTarget	t;

	if (shared)
		LockDatabaseObject(NamespaceRelationId, objs->oid[TARGET_SCHEMA], 0,
						   ShareUpdateExclusiveLock);
	for (t = TARGET_QUEUE; t < NUM_TARGETS; t++)
	{
		if (!OidIsValid(objs->oid[t]))
			continue;
		LockRelationOid(objs->oid[t], AccessShareLock);
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(objs->oid[t])))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("queue \"%s\" does not exist", name->name),
					 errdetail("%s %s.%s was dropped concurrently.",
							   t == TARGET_SEQUENCE ? "Sequence" : "Table",
							   PGMQ_SCHEMA, objs->shown[t])));
	}
}

/*
 * What grant_queue and revoke_queue share: their validated arguments, then
 * the name lock create and drop_queue take (no drop or re-create
 * meanwhile), SPI, and the queue's objects (a grant of consumer rights
 * needs the archive), locked as lock_objects says.
 */
static void
begin_queue_grant(FunctionCallInfo fcinfo, bool revoke, PgmqName *name, Oid *role,
				  char **role_name, int *kinds, GrantObjects *objs)
{
	pgmq_name_from_arg(fcinfo, 0, name);
	*role = role_from_arg(fcinfo, 1, role_name);
	*kinds = access_from_arg(fcinfo, 2, revoke);
	pgmq_lock_queue_name(name->lower);
	pgmq_spi_connect();
	find_objects(name, !revoke && (*kinds & ACCESS_CONSUMER) != 0, objs);
	lock_objects(name, objs, !revoke);
}

/*
 * grant_queue(queue_name text, role_name text, access text DEFAULT
 * 'consumer') -> void
 */
PG_FUNCTION_INFO_V1(pgmq_grant_queue);
Datum
pgmq_grant_queue(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	char	   *role_name;
	Oid			role;
	int			kinds;
	GrantObjects objs;
	List	   *stmts = NIL;
	ListCell   *lc;
	size_t		i;

	begin_queue_grant(fcinfo, false, &name, &role, &role_name, &kinds, &objs);

	/* every check before the first GRANT: all or nothing */
	for (i = 0; i < NUM_QUEUE_PRIVS; i++)
	{
		const QueuePriv *p = &queue_privs[i];

		if ((p->kinds & kinds) == 0 || !OidIsValid(objs.oid[p->target]))
			continue;
		if (TARGET_IS_SHARED(p->target) && has_priv(&objs, p, role, false))
			continue;
		require_grantable(&objs, p, name.name);
		stmts = lappend(stmts, priv_statement("GRANT", p, &objs, "TO", role_name));
	}
	foreach(lc, stmts)
		pgmq_exec((const char *) lfirst(lc), SPI_OK_UTILITY);

	pgmq_spi_finish();
	PG_RETURN_VOID();
}

/*
 * Whether role holds INSERT on the queue table by a grant of its own
 * (table or column), i.e. still is a producer after a revoke.
 */
static bool
holds_insert(Oid relid, Oid role)
{
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		args[2] = {ObjectIdGetDatum(relid), ObjectIdGetDatum(role)};

	return query_bool("SELECT EXISTS (SELECT FROM pg_catalog.pg_class c, "
					  "pg_catalog.aclexplode(c.relacl) x "
					  "WHERE c.oid OPERATOR(pg_catalog.=) $1 "
					  "AND x.grantee OPERATOR(pg_catalog.=) $2 "
					  "AND x.privilege_type OPERATOR(pg_catalog.=) 'INSERT') "
					  "OR EXISTS (SELECT FROM pg_catalog.pg_attribute a, "
					  "pg_catalog.aclexplode(a.attacl) x "
					  "WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0 "
					  "AND x.grantee OPERATOR(pg_catalog.=) $2 "
					  "AND x.privilege_type OPERATOR(pg_catalog.=) 'INSERT')",
					  2, argtypes, args);
}

/*
 * revoke_queue(queue_name text, role_name text, access text DEFAULT 'all')
 * -> void
 *
 * Takes back what grant_queue gave for that kind ('consumer' includes
 * TRUNCATE), on this queue's tables and sequence only.  Revoking SELECT
 * from a table takes its column grants too, so a role that stays a
 * producer gets SELECT (msg_id) back.  The queue tables' owner is refused:
 * revoking would strip the owner's own rights.
 */
PG_FUNCTION_INFO_V1(pgmq_revoke_queue);
Datum
pgmq_revoke_queue(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	char	   *role_name;
	Oid			role;
	int			kinds;
	GrantObjects objs;
	List	   *stmts = NIL;
	ListCell   *lc;
	size_t		i;
	PrivTarget	t;

	begin_queue_grant(fcinfo, true, &name, &role, &role_name, &kinds, &objs);

	for (t = TARGET_QUEUE; t < NUM_TARGETS; t++)
	{
		HeapTuple	tup;

		if (!OidIsValid(objs.oid[t]))
			continue;
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(objs.oid[t]));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "pgmq: cache lookup failed for relation %u", objs.oid[t]);
		if (((Form_pg_class) GETSTRUCT(tup))->relowner == role)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_GRANT_OPERATION),
					 errmsg("role \"%s\" owns %s %s of queue \"%s\"",
							role_name, target_kind[t], objs.shown[t], name.name),
					 errdetail("Revoking would take the owner's own rights on its table.")));
		ReleaseSysCache(tup);
	}

	/* every check before the first REVOKE: all or nothing */
	for (i = 0; i < NUM_QUEUE_PRIVS; i++)
	{
		const QueuePriv *p = &queue_privs[i];

		if ((p->kinds & kinds) == 0 || TARGET_IS_SHARED(p->target) ||
			!OidIsValid(objs.oid[p->target]))
			continue;
		require_grantable(&objs, p, name.name);
		stmts = lappend(stmts, priv_statement("REVOKE", p, &objs, "FROM", role_name));
	}
	foreach(lc, stmts)
		pgmq_exec((const char *) lfirst(lc), SPI_OK_UTILITY);

	if ((kinds & ACCESS_CONSUMER) && !(kinds & ACCESS_PRODUCER) &&
		holds_insert(objs.oid[TARGET_QUEUE], role))
		pgmq_exec(psprintf("GRANT SELECT (msg_id) ON TABLE %s TO %s",
						   objs.sqlname[TARGET_QUEUE], quote_identifier(role_name)),
				  SPI_OK_UTILITY);

	pgmq_spi_finish();
	PG_RETURN_VOID();
}
