/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Queue name validation and the relation names derived from a queue
 *	  name.
 *
 * The rule (documented in the README): a queue name is 1 to 47 bytes of
 * ASCII letters, digits, '_', '-', '.' and space.  Anything else is
 * refused before any identifier is built, so no name can reach SQL text
 * unquoted, be truncated by PostgreSQL, or alias another queue's table.
 * PGMQ's own message for '$', ';', '--' and '\'' is kept byte for byte.
 * Table names are q_<lower(name)> / a_<lower(name)> exactly as in PGMQ.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/names.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "pgmq.h"

/* How much of a rejected name an error message shows. */
#define PGMQ_NAME_SHOW_BYTES 64

static bool
pgmq_name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		c == '_' || c == '-' || c == '.' || c == ' ';
}

/*
 * A printable, bounded copy of a rejected name for an error message.
 */
static char *
pgmq_name_for_message(const char *str, int len)
{
	int			show = len;

	if (show > PGMQ_NAME_SHOW_BYTES)
		show = pg_mbcliplen(str, len, PGMQ_NAME_SHOW_BYTES);
	return psprintf("%.*s%s", show, str, show < len ? "..." : "");
}

typedef enum NameProblem
{
	NAME_OK,
	NAME_FORBIDDEN,				/* PGMQ's $ ; -- ' */
	NAME_EMPTY,
	NAME_BAD_CHAR,
	NAME_TOO_LONG
} NameProblem;

/* What is wrong with a name, checked in the order errors are reported. */
static NameProblem
pgmq_name_problem(const char *str, int len)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		if (str[i] == '$' || str[i] == ';' || str[i] == '\'' ||
			(str[i] == '-' && i + 1 < len && str[i + 1] == '-'))
			return NAME_FORBIDDEN;
	}
	if (len == 0)
		return NAME_EMPTY;
	for (i = 0; i < len; i++)
	{
		if (!pgmq_name_char_ok((unsigned char) str[i]))
			return NAME_BAD_CHAR;
	}
	if (len > PGMQ_MAX_NAME_LEN)
		return NAME_TOO_LONG;
	return NAME_OK;
}

/*
 * Whether a name follows the rule (for names read from pgmq.meta, which
 * may hold names a PGMQ install accepted and we do not).
 */
bool
pgmq_name_is_valid(const char *str, int len)
{
	return pgmq_name_problem(str, len) == NAME_OK;
}

/*
 * Validate a queue name and fill in the derived names.
 */
void
pgmq_name_init(const char *str, int len, PgmqName *out)
{
	int			i;

	switch (pgmq_name_problem(str, len))
	{
		case NAME_OK:
			break;
		case NAME_FORBIDDEN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("queue name contains invalid characters: $, ;, --, or \\'")));
			break;
		case NAME_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("queue name must not be empty")));
			break;
		case NAME_BAD_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("invalid queue name \"%s\"",
							pgmq_name_for_message(str, len)),
					 errdetail("Queue names may contain only ASCII letters, digits, underscores, hyphens, periods and spaces."),
					 errhint("Use a name such as \"orders\" or \"billing.invoices-v2\".")));
			break;
		case NAME_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("queue name is too long, maximum length is %d characters",
							PGMQ_MAX_NAME_LEN),
					 errdetail("The name given has %d characters.", len)));
			break;
	}

	memcpy(out->name, str, len);
	out->name[len] = '\0';
	for (i = 0; i < len; i++)
		out->lower[i] = pg_ascii_tolower((unsigned char) str[i]);
	out->lower[len] = '\0';
	snprintf(out->qtable, NAMEDATALEN, "q_%s", out->lower);
	snprintf(out->atable, NAMEDATALEN, "a_%s", out->lower);
}

/*
 * Validate the queue name passed as argument argno.  A NULL name is an
 * error: no queue is called NULL.
 */
void
pgmq_name_from_arg(FunctionCallInfo fcinfo, int argno, PgmqName *out)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("queue name must not be null")));
	t = PG_GETARG_TEXT_PP(argno);
	pgmq_name_init(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out);
}

/*
 * The advisory lock key PGMQ uses for a queue name:
 * hashtext('pgmq.queue_' || name), widened to bigint.
 */
int64
pgmq_name_lock_key(const char *str)
{
	char	   *keytext = psprintf("pgmq.queue_%s", str);
	Datum		h;

	h = DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
								CStringGetTextDatum(keytext));
	pfree(keytext);
	return (int64) DatumGetInt32(h);
}
