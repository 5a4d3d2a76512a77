"""Search reads a message's text, author's name and link (cases.queries.SearchText): the
trigram index covers that expression instead of the text alone, PostgreSQL only. Built
CONCURRENTLY, so intake goes on while it is built."""

from django.db import migrations

OLD, NEW = "post_text_trgm_idx", "post_search_trgm_idx"
EXPRESSION = "UPPER(text || ' ' || author_name || ' ' || url)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NEW} ON cases_post USING gin (({EXPRESSION}) gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD} ON cases_post USING gin (UPPER(text) gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("cases", "0007_next_due_tasks_only")]

    operations = [migrations.RunPython(create, drop)]
