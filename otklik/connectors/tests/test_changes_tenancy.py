"""Issue 19 item 1: an edit or deletion reported by one municipality's collection never
touches another municipality's post with the same external key."""

from __future__ import annotations

import datetime as dt

import pytest

from otklik.cases import actions
from otklik.cases.models import Post
from otklik.cases.tests.helpers import message
from otklik.connectors.base import AccountRef, Batch, Change, Connector
from otklik.connectors.collect import collect_account

pytestmark = pytest.mark.django_db


class Reports(Connector):
    """Stands for a network whose collection reports only these changes."""

    network = "vk"

    def __init__(self, changes):  # type: ignore[no-untyped-def]
        super().__init__(AccountRef(key="changes", network="vk", external_id="1"))
        self.changes = changes

    def collect(self, cursor):  # type: ignore[no-untyped-def]
        yield Batch(messages=[], cursor={"done": True}, changes=self.changes)


def test_it_does_not_edit_another_municipalitys_post(cast):
    theirs = actions.do_register_post(cast.other_municipality, message("Их текст", key="wall-5_1"))
    at = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    changes = [Change("vk", "wall-5_1", "edited", "Подменённый", at), Change("vk", "wall-5_1", "deleted", at=at)]
    result = collect_account(cast.vk_account, connector=Reports(changes), force=True)
    assert result.changes == 0
    post = Post.objects.get(case=theirs)
    assert (post.text, post.deleted_at) == ("Их текст", None)


def test_it_edits_its_own_post(cast):
    ours = actions.do_register_post(cast.municipality, message("Старый текст", key="wall-5_2"))
    at = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    collect_account(cast.vk_account, connector=Reports([Change("vk", "wall-5_2", "edited", "Новый", at)]), force=True)
    assert Post.objects.get(case=ours).text == "Новый"
