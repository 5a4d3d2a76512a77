from __future__ import annotations

import pytest

from otklik.cases.tests.helpers import Clock, msk


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    """Pages and actions at Mon 2025-03-03 10:00 Moscow (a plain working morning)."""
    with Clock(msk(2025, 3, 3, 10, 0)) as c:
        yield c
