"""Each paper's public JSON, written by Postgres when the paper is written, read by the list as it is.

A list page is 50-200 papers as :class:`papers.api.serializers.PaperSerializer` writes them. Writing
them at read time (``json_build_object`` over ~30 columns, the timestamps by ``to_char``) cost
Postgres about a millisecond a page, more than the page's index scan and as much as the worker's
whole request: on a machine of two cores the two halves of every read competed for the CPU. So the
object is written once, when the row is inserted or updated, into the column ``public_json`` by a
``BEFORE INSERT OR UPDATE`` trigger (every writer: the bulk upsert, the admin, the management
commands, a plain ``UPDATE``), and a page only reads it (:data:`PUBLIC_JSON`).

The column is the database's, not the model's: Django never loads ~2 KB a paper it does not use
(the detail page, the admin), and no form or serializer can write it. It is compressed with lz4
where the server has it (reading it back is several times cheaper than pglz's).

The trigger's function is frozen in the migration that installs it, as migrations must be (an old
migration must build what it built, whatever the code is now). ``test_stored_json`` compares the
installed function with :func:`function_sql` of the code: when the public fields or their SQL change
(``public_json_sql``), that test fails until a new migration installs the new function and rewrites
the stored objects: ``manage.py shell -c "from papers.stored_json import migration_sql;
print(migration_sql())"`` prints what it runs.
"""

from __future__ import annotations

from papers.api.serializers import public_json_sql

COLUMN = "public_json"
FUNCTION = "papers_public_json"
TRIGGER = "papers_public_json"
#: What a page selects: the stored object (papers.selectors.PublicRows embeds it as it is).
PUBLIC_JSON = f'"papers_paper"."{COLUMN}"'

#: The column, lz4-compressed where the server supports it (PostgreSQL built without lz4 keeps pglz).
ADD_COLUMN = f"""
ALTER TABLE papers_paper ADD COLUMN {COLUMN} text NOT NULL DEFAULT '';
DO $$ BEGIN
    ALTER TABLE papers_paper ALTER COLUMN {COLUMN} SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$;
"""

CREATE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE ON papers_paper
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON papers_paper;
DROP FUNCTION IF EXISTS {FUNCTION}();
ALTER TABLE papers_paper DROP COLUMN IF EXISTS {COLUMN};
"""


def function_body() -> str:
    """The trigger function's body: the new row's object as the API writes it (``public_json_sql``,
    whose bare column names are the new row's here)."""
    select = f"SELECT {public_json_sql()} INTO NEW.{COLUMN} FROM (SELECT NEW.*) AS papers_paper;"  # noqa: S608
    return f"\nBEGIN\n    {select}\n    RETURN NEW;\nEND\n"


def function_sql() -> str:
    """``CREATE OR REPLACE`` of the trigger function, as the code writes the object now."""
    header = f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql"
    return f"{header} AS $fn${function_body()}$fn$;"


#: Rewrites every stored object (the trigger runs on the no-op update).
REWRITE = f"UPDATE papers_paper SET {COLUMN} = ''"  # noqa: S608 - fixed SQL only


def migration_sql() -> str:
    """What a migration runs when the object's SQL changed: the new function, every object rewritten."""
    return f"{function_sql()}\n{REWRITE};"
