"""One message, one tenant: intake never hands one municipality's case to another.

A post is unique on (network, source_key) across all municipalities (DESIGN.md «Post»), so
a message already stored for another municipality is refused with RegisteredElsewhere and
nothing of the batch is stored.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from otklik.cases import actions, intake
from otklik.cases.errors import RegisteredElsewhere
from otklik.cases.models import Case, CaseEvent, Post
from otklik.cases.tests.helpers import message

pytestmark = pytest.mark.django_db


def test_a_message_of_another_municipality_is_refused(cast, clock):
    theirs = actions.do_register_post(cast.other_municipality, message(key="wall-1_2"))
    with pytest.raises(RegisteredElsewhere) as refused:
        actions.do_register_post(cast.municipality, message(key="wall-1_2"), detected=True)
    assert refused.value.message == "Сообщение vk:wall-1_2 уже зарегистрировано в другом муниципалитете."
    assert refused.value.keys == [("vk", "wall-1_2")]
    assert list(Case.objects.all()) == [theirs] and CaseEvent.objects.count() == 1
    theirs.refresh_from_db()
    assert (theirs.status, theirs.version) == ("feed", 1)


def test_the_same_municipality_still_gets_its_own_case_back(cast, clock):
    ours = actions.do_register_post(cast.municipality, message(key="wall-1_3"))
    assert actions.do_register_post(cast.municipality, message(key="wall-1_3")) == ours


def test_a_batch_with_one_foreign_message_stores_nothing(cast, clock):
    actions.do_register_post(cast.other_municipality, message(key="wall-1_4"))
    batch = [message(key="fresh-1"), message(key="wall-1_4"), message(key="fresh-2")]
    with pytest.raises(RegisteredElsewhere):
        actions.do_register_posts(cast.municipality, batch)
    assert set(Post.objects.values_list("source_key", flat=True)) == {"wall-1_4"}


def test_a_foreign_post_without_a_case_gets_no_case_here(cast, clock):
    orphan = Post.objects.create(
        municipality=cast.other_municipality, network="vk", source_key="wall-1_6", published_at=clock.t
    )
    with pytest.raises(RegisteredElsewhere):
        actions.do_register_post(cast.municipality, message(key="wall-1_6"))
    orphan.refresh_from_db()
    assert orphan.case is None and not Case.objects.exists()


def test_a_foreign_message_stored_meanwhile_is_refused_too(cast, clock):
    """The race: another municipality stores the message between our check and our insert."""
    actions.do_register_post(cast.other_municipality, message(key="wall-1_8"))
    real = intake._existing
    looks: list[object] = []

    def existing(keys):  # type: ignore[no-untyped-def]
        looks.append(keys)  # the first look finds nothing, as if the other insert had not committed yet
        return {} if len(looks) == 1 else real(keys)

    with mock.patch.object(intake, "_existing", side_effect=existing):
        with pytest.raises(RegisteredElsewhere):
            actions.do_register_posts(cast.municipality, [message(key="wall-1_8"), message(key="fresh-3")])
    assert len(looks) == 2  # the second look came from the insert's IntegrityError path
    assert Case.objects.count() == 1 and Post.objects.count() == 1


def test_manual_entry_page_says_the_message_belongs_elsewhere(client, cast, clock):
    actions.do_register_post(cast.other_municipality, message(key="wall-100001_5"))
    client.force_login(cast.specialist)
    response = client.post(
        reverse("connectors:manual"),
        {"municipality": cast.municipality.pk, "url": "https://vk.com/wall-100001_5", "text": "Яма"},
    )
    assert response.status_code == 200
    assert "уже зарегистрировано в другом муниципалитете" in response.content.decode()
    assert Case.objects.count() == 1
