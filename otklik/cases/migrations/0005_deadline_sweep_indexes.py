"""Fewer indexes on cases_deadline, so each mark of the deadline sweep writes fewer index entries.

No mark is a HOT update (it changes a column of a partial index's predicate), so every marked
row gets a new entry in every index it is still in. Removed or narrowed (see ``Deadline``):

* ``deadline_case_idx`` (case, stage): the foreign-key index on ``case`` serves every query by
  case (a case has a handful of deadlines; the stage is filtered on the rows);
* ``deadline_started_idx``: no query filters or sorts deadlines by ``started_at`` across cases;
* the foreign-key indexes on ``assignment``, ``user`` and ``closed_by`` become partial
  (``IS NOT NULL``): every lookup by them names a value, and the rows without one (route and
  review clocks; ``user`` is never set; ``closed_by`` on every open row) are left out.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_organization"),
        ("directory", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="deadline",
            name="deadline_case_idx",
        ),
        migrations.RemoveIndex(
            model_name="deadline",
            name="deadline_started_idx",
        ),
        migrations.AlterField(
            model_name="deadline",
            name="assignment",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="cases.assignment",
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("assignment__isnull", False)), fields=["assignment"], name="deadline_assignment_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(condition=models.Q(("user__isnull", False)), fields=["user"], name="deadline_user_idx"),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("closed_by__isnull", False)), fields=["closed_by"], name="deadline_closed_by_idx"
            ),
        ),
    ]
