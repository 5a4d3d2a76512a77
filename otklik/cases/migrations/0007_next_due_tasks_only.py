"""A case's nearest deadline no longer counts a §10 return window (see deadlines.open_tasks):
recompute it, and its organizations' copies, for the cases with an open return window."""

from django.db import migrations

WITH_WINDOW = "SELECT case_id FROM cases_deadline WHERE closed_at IS NULL AND stage = 'return_window'"
CASES = f"""
UPDATE cases_case SET next_due_at = (
    SELECT min(d.due_at) FROM cases_deadline d
    WHERE d.case_id = cases_case.id AND d.closed_at IS NULL AND d.stage <> 'return_window'
) WHERE id IN ({WITH_WINDOW})
"""
COPIES = f"""
UPDATE cases_caseorganization SET next_due_at = (
    SELECT c.next_due_at FROM cases_case c WHERE c.id = cases_caseorganization.case_id
) WHERE case_id IN ({WITH_WINDOW})
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_post_text_search_index")]

    operations = [migrations.RunSQL(CASES, migrations.RunSQL.noop), migrations.RunSQL(COPIES, migrations.RunSQL.noop)]
