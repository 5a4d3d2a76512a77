import io

import pytest
from django.core.management import call_command

from otklik.cases.models import Case

pytestmark = [pytest.mark.heavy, pytest.mark.django_db]


def test_seed_demo_cases_fills_every_state_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_cases", stdout=io.StringIO())
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"feed", "new", "assigned", "review", "revision", "approved", "intermediate", "answered"} <= statuses
    assert {"dismissed", "excluded"} <= statuses
    count = Case.objects.count()
    assert count == 30
    out = io.StringIO()
    call_command("seed_demo_cases", stdout=out)
    assert Case.objects.count() == count
    assert "создано 0" in out.getvalue()
