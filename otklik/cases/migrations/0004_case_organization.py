"""CaseOrganization: the organizations that see a case, in deadline order (see the model).

Filled from the existing assignments; the ordering index is created per database: on
PostgreSQL with NULLS LAST and case descending (the API's list order), on SQLite plain.
"""

import django.db.models.deletion
from django.db import migrations, models

ORDER_INDEX = "case_org_order_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        columns = "(organization_id, next_due_at ASC NULLS LAST, case_id DESC)"
    else:
        columns = "(organization_id, next_due_at, case_id)"
    schema_editor.execute(f"CREATE INDEX {ORDER_INDEX} ON cases_caseorganization {columns}")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {ORDER_INDEX}")


FILL = """
INSERT INTO cases_caseorganization (case_id, organization_id, next_due_at)
SELECT DISTINCT a.case_id, a.organization_id, c.next_due_at
FROM cases_assignment a JOIN cases_case c ON c.id = a.case_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_visibility_indexes"),
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseOrganization",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("next_due_at", models.DateTimeField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="organization_links",
                        to="cases.case",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "организация обращения",
                "verbose_name_plural": "организации обращений",
                "constraints": [
                    models.UniqueConstraint(fields=("case", "organization"), name="case_organization_unique")
                ],
            },
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunPython(create_index, drop_index),
    ]
