"""Fixtures for the Django side of the connectors' tests."""

from __future__ import annotations

import pytest

from otklik.connectors.tests.helpers import start_vk, vk_credentials


@pytest.fixture
def fake_vk():
    server = start_vk()
    yield server
    server.stop()


@pytest.fixture
def vk_account(cast, fake_vk, settings):
    settings.VK_API_BASE_URL = fake_vk.base_url
    account = cast.vk_account
    account.external_id = str(fake_vk.group_id)
    account.set_credentials(vk_credentials("wall"))
    account.save()
    return account


def _stand_in_actions():  # type: ignore[no-untyped-def]
    """A minimal stand-in for ``otklik.cases.actions`` used only while that module does
    not exist yet in this checkout (the workflow is written in parallel). With the real
    module present, the real actions are used and this is never installed."""
    import types

    from django.utils import timezone

    from otklik.cases.models import Case, Post

    def do_register_posts(municipality, incomings, *, detected=False, acting_user=None):  # type: ignore[no-untyped-def]
        cases = []
        for m in incomings:
            post, created = Post.objects.get_or_create(
                network=m.network,
                source_key=m.source_key,
                defaults=dict(
                    municipality=municipality, url=m.url, author_id=m.author_id, author_name=m.author_name,
                    author_url=m.author_url, text=m.text, parent_key=m.parent_key, published_at=m.published_at,
                    account=m.account, raw=m.raw,
                    attachments=[{"type": a.type, "url": a.url, "name": a.name} for a in m.attachments],
                ),
            )  # fmt: skip
            if created:
                case = Case.objects.create(municipality=municipality, primary_post=post)
                Post.objects.filter(pk=post.pk).update(case=case)
                cases.append(case)
        return cases

    def do_confirm_publication(publication, *, external_id, url):  # type: ignore[no-untyped-def]
        publication.status, publication.external_id, publication.url = "published", external_id, url
        publication.published_at = timezone.now()
        publication.save(update_fields=["status", "external_id", "url", "published_at"])

    def do_fail_publication(publication, *, error):  # type: ignore[no-untyped-def]
        publication.status, publication.error = "failed", error
        publication.save(update_fields=["status", "error"])

    module = types.ModuleType("otklik.cases.actions")
    module.do_register_posts = do_register_posts  # type: ignore[attr-defined]
    module.do_confirm_publication = do_confirm_publication  # type: ignore[attr-defined]
    module.do_fail_publication = do_fail_publication  # type: ignore[attr-defined]
    return module


@pytest.fixture(autouse=True)
def _workflow_actions(monkeypatch):  # type: ignore[no-untyped-def]
    import importlib
    import sys

    try:
        importlib.import_module("otklik.cases.actions")
    except ModuleNotFoundError:
        import otklik.cases

        module = _stand_in_actions()
        monkeypatch.setitem(sys.modules, "otklik.cases.actions", module)
        monkeypatch.setattr(otklik.cases, "actions", module, raising=False)
    yield


@pytest.fixture(autouse=True)
def _no_event_subscribers(monkeypatch):  # type: ignore[no-untyped-def]
    """Triage and notifications subscribe to the workflow's events and, with immediate
    jobs, would run inside every collection here (~0.3 s a post). Collection is what
    these tests are about, so subscribers are off ("triage off", as in the benchmark)."""
    from collections import defaultdict

    from otklik.cases import events

    monkeypatch.setattr(events, "_handlers", defaultdict(list))
    yield
