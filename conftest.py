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
    # In CI a missing browser is a failure (the test command installs it), not a skip.
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)
