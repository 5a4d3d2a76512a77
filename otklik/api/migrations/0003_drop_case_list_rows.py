"""The case list is read with the ORM again: the rendered rows, their triggers and functions go.

The triggers were installed after each migrate by code that no longer exists, so they are
dropped here by name (PostgreSQL only); the SQL stands on its own, not on application code.
"""

from django.db import migrations

DROP_TRIGGERS = r"""
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger WHERE tgname LIKE 'otklik\_list\_rows\_%' LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
    END LOOP;
    FOR t IN SELECT p.oid::regprocedure AS fn FROM pg_proc p WHERE p.proname LIKE 'otklik\_list\_rows\_%' LOOP
        EXECUTE format('DROP FUNCTION %s', t.fn);
    END LOOP;
END $$
"""


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS, params=None)  # no placeholders: the % are LIKE patterns


class Migration(migrations.Migration):
    dependencies = [("api", "0002_case_list_rows")]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.DeleteModel(name="CaseListRow"),
    ]
