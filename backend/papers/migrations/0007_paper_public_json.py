"""Each paper's public JSON stored in ``public_json`` by a trigger (papers.stored_json).

The SQL is frozen here as this migration installed it; ``papers.tests.test_stored_json`` fails when
the code's object differs from the installed function, and a new migration then installs the new one
(``papers.stored_json.migration_sql``)."""

from django.db import migrations

ADD_COLUMN = """
ALTER TABLE papers_paper ADD COLUMN public_json text NOT NULL DEFAULT '';
DO $$ BEGIN
    ALTER TABLE papers_paper ALTER COLUMN public_json SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$;
"""

FUNCTION = r"""
CREATE OR REPLACE FUNCTION papers_public_json() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    SELECT json_build_object(
        'arxiv_id', "arxiv_id",
        'version', "version",
        'title', "title",
        'abstract', "abstract",
        'authors', "authors",
        'primary_category', "primary_category",
        'categories', "categories",
        'published', to_char("published" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN to_char("published", 'US') <> '000000'
                THEN to_char("published", '.US') ELSE '' END || 'Z',
        'updated', to_char("updated" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN to_char("updated", 'US') <> '000000'
                THEN to_char("updated", '.US') ELSE '' END || 'Z',
        'abs_url', "abs_url",
        'pdf_url', "pdf_url",
        'doi', "doi",
        'journal_ref', "journal_ref",
        'comment', "comment",
        'sources', "sources",
        'hf_upvotes', "hf_upvotes",
        'hf_comments', "hf_comments",
        'github_repo', "github_repo",
        'github_stars', "github_stars",
        'project_url', "project_url",
        'ai_summary', "ai_summary",
        'organization', "organization",
        'topics', "topics",
        'tags', "tags",
        'relevance', "relevance",
        'relevance_components', "relevance_components",
        'thumbnail', CASE WHEN "thumbnail" <> '' THEN '/api/papers/' || "arxiv_id" || '/thumbnail/' END,
        'pinned', "pinned",
        'sample', "sample"
    )::text INTO NEW.public_json FROM (SELECT NEW.*) AS papers_paper;
    RETURN NEW;
END
$fn$;
"""

TRIGGER = """
CREATE TRIGGER papers_public_json BEFORE INSERT OR UPDATE ON papers_paper
    FOR EACH ROW EXECUTE FUNCTION papers_public_json();
"""

#: Every paper's object written once (the trigger runs on the update).
FILL = "UPDATE papers_paper SET public_json = '';"

DROP = """
DROP TRIGGER IF EXISTS papers_public_json ON papers_paper;
DROP FUNCTION IF EXISTS papers_public_json();
ALTER TABLE papers_paper DROP COLUMN IF EXISTS public_json;
"""


class Migration(migrations.Migration):
    dependencies = [("papers", "0006_rename_scraperjob_scrapejob")]

    operations = [
        migrations.RunSQL(sql=[ADD_COLUMN, FUNCTION, TRIGGER, FILL], reverse_sql=DROP),
    ]
