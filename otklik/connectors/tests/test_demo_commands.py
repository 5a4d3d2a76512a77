"""`make run`'s demo feeds: the fake VK (own wall and a watched community) and the fake MAX bot."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from otklik.cases.models import Post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    call_command("seed_demo", verbosity=0)


def test_the_vk_demo_feeds_the_own_wall_and_a_watched_community(demo):
    call_command("demo_fake_vk", port=0, limit=40, every=0.01, collect_every=0.05, seed=3, verbosity=0)
    keys = list(Post.objects.filter(network="vk").values_list("source_key", flat=True))
    assert any(k.startswith("wall-290001_") for k in keys), "the watched community fed the feed"
    assert any(k.startswith("wall-200001_") for k in keys)


def test_the_max_demo_feeds_messages_to_the_bot(demo):
    call_command("demo_fake_max", port=0, limit=6, every=0.01, collect_every=0.05, seed=4, verbosity=0)
    assert Post.objects.filter(network="max").count() == 6
