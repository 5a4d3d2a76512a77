"""Clock readings on deadlines (``start_clock``, ``due_clock``, ``close_clock``), filled for existing rows.

Reports and the dashboard subtract these in the database instead of building a calendar per row
(issue 22). The fill reads each municipality's calendar once and writes in batches; it imports the
calendar code of ``otklik.regulation`` (a data fill needs the real calendar arithmetic).
"""

from django.db import migrations, models

BATCH = 5000


def fill(apps, schema_editor):
    from otklik.directory.models import Municipality
    from otklik.regulation.services import calendars_for, clock_reading

    Deadline = apps.get_model("cases", "Deadline")
    connection = schema_editor.connection
    municipalities = list(Municipality.objects.all())
    calendars = calendars_for(municipalities)
    for municipality in municipalities:
        calendar = calendars[municipality.pk]
        last = 0
        while True:
            rows = list(
                Deadline.objects.filter(case__municipality_id=municipality.pk, pk__gt=last, start_clock__isnull=True)
                .order_by("pk")
                .values_list("pk", "limit_unit", "started_at", "due_at", "closed_at", "outcome")[:BATCH]
            )
            if not rows:
                break
            last = rows[-1][0]
            values = [
                (
                    pk,
                    clock_reading(calendar, unit, started),
                    clock_reading(calendar, unit, due),
                    clock_reading(calendar, unit, closed) if closed is not None and outcome == "met" else None,
                )
                for pk, unit, started, due, closed, outcome in rows
            ]
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute(
                        "UPDATE cases_deadline d SET start_clock = v.s, due_clock = v.d, close_clock = v.c "
                        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, s, d, c) "
                        "WHERE d.id = v.id",
                        [[v[i] for v in values] for i in range(4)],
                    )
            else:
                objs = [Deadline(pk=pk, start_clock=s, due_clock=d, close_clock=c) for pk, s, d, c in values]
                Deadline.objects.bulk_update(objs, ["start_clock", "due_clock", "close_clock"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_post_text_search_index"),
        ("regulation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="start_clock",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="deadline",
            name="due_clock",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="deadline",
            name="close_clock",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
