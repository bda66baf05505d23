-- Shared helpers for the regression suite (pg_regress runs the files in
-- name order in one database, so later files can use these).

-- Run a statement and report "ok" or "<SQLSTATE>: <message>", so tests show
-- both the error text and its SQLSTATE without server-version-specific
-- context lines.
CREATE FUNCTION public.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT public.try('SELECT 1');
SELECT public.try('SELECT 1/0');
