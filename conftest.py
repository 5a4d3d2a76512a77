"""Suite-wide pytest configuration: the cast fixture and browser settings."""

from __future__ import annotations

import os
import types

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + playwright share a thread

CHROMIUM = os.environ.get("OTKLIK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS_DIR = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture
def cast(db):  # type: ignore[no-untyped-def]
    from otklik.testing import make_cast

    ns = types.SimpleNamespace()
    make_cast(ns)
    return ns


@pytest.fixture
def browser_now():  # type: ignore[no-untyped-def]
    """The moment browser tests run at: Mon 2025-03-03 10:00 Moscow, a plain working morning.

    A directory's conftest (or a test module) overrides this fixture to run at another moment.
    """
    from otklik.cases.tests.helpers import msk

    return msk(2025, 3, 3, 10, 0)


@pytest.fixture(autouse=True)
def browser_clock(request):  # type: ignore[no-untyped-def]
    """Every browser test runs on a frozen server clock, so it passes on any day at any hour.

    The live server runs in this process, so patching ``timezone.now`` freezes it too. The
    browser's own clock is frozen to the same moment by ``browser_helpers.freeze_browser``
    (``People`` and the ``context`` fixture call it).
    """
    if request.node.get_closest_marker("browser") is None:
        yield None
        return
    from otklik.cases.tests.helpers import Clock

    with Clock(request.getfixturevalue("browser_now")) as clock:
        yield clock


@pytest.fixture
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture
def context(context, browser_clock):  # type: ignore[no-untyped-def]
    from otklik.web.tests.browser_helpers import freeze_browser

    return freeze_browser(context) if browser_clock is not None else context


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def artifacts_dir() -> str:
    os.makedirs(ARTIFACTS_DIR, exist_ok=True)
    return ARTIFACTS_DIR


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    # `postgres` means what pyproject declares: needs PostgreSQL, skipped on SQLite (the suite's
    # first pass); `make test-postgres` and CI run them.
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…, make test-postgres)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)
    # In CI a missing browser is a failure (the test command installs it), not a skip.
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)
