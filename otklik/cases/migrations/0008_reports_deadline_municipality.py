"""Deadlines carry their case's municipality (filled here for existing rows) and two indexes for
reports and the dashboard: a municipality's deadlines by due time, and its met §16 clocks."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        sql = (
            "UPDATE cases_deadline d SET municipality_id = c.municipality_id FROM cases_case c "
            "WHERE c.id = d.case_id AND d.municipality_id IS NULL"
        )
    else:
        sql = (
            "UPDATE cases_deadline SET municipality_id = "
            "(SELECT municipality_id FROM cases_case WHERE cases_case.id = cases_deadline.case_id)"
        )
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_reports_deadline_clocks"),
        ("directory", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="directory.municipality",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(fields=["municipality", "due_at"], name="deadline_municipality_due_idx"),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("outcome", "met"), ("stage", "publish_total")),
                fields=["municipality", "closed_at"],
                name="deadline_first_answer_idx",
            ),
        ),
    ]
