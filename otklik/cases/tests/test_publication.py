"""§12, §16: the account rule, pending before the network, confirmation, failure and retry."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.errors import InvalidTransition
from otklik.cases.tests.helpers import msk, routed_case
from otklik.directory.models import OfficialAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    return actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)


def test_the_account_is_the_wall_then_the_executors_then_the_administrations(cast, clock):
    roads_vk = OfficialAccount.objects.create(
        organization=cast.roads_org, network="vk", name="Дороги", url="https://vk.com/roads", external_id="-7"
    )
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    assert actions.choose_publication_account(case) == roads_vk
    on_wall = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), account=cast.vk_account)
    assert actions.choose_publication_account(on_wall) == cast.vk_account
    OfficialAccount.objects.filter(pk=roads_vk.pk).update(is_active=False)
    assert actions.choose_publication_account(case) == cast.vk_account
    telegram = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), network="telegram")
    assert actions.choose_publication_account(telegram) is None


def test_a_failed_publication_is_retried_on_the_same_row(cast, clock, approved):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    publication = case.publications.get()
    with pytest.raises(InvalidTransition, match="уже размещается"):
        actions.do_publish_answer(case, acting_user=cast.specialist)

    case = actions.do_fail_publication(publication, error="Комментарии закрыты")
    publication.refresh_from_db()
    assert (case.status, publication.status, publication.error) == ("approved", "failed", "Комментарии закрыты")

    case = actions.do_publish_answer(case, acting_user=cast.specialist)
    publication.refresh_from_db()
    assert (publication.status, publication.attempts, case.publications.count()) == ("pending", 2, 1)
    case = actions.do_confirm_publication(publication, external_id="55", url="https://vk.com/wall-1_1?reply=55")
    again = actions.do_confirm_publication(publication, external_id="55", url="https://vk.com/wall-1_1?reply=55")
    assert case.status == again.status == "answered" and again.version == case.version
    assert list(case.events.values_list("kind", flat=True))[-4:] == [
        "publication_pending",
        "publication_failed",
        "publication_pending",
        "case_answered",
    ]


def test_without_an_account_the_answer_is_posted_by_hand(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), network="telegram", url="https://t.me/c/1")
    case = actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    with pytest.raises(Exception, match="вручную"):
        actions.do_publish_answer(case, acting_user=cast.roads)
    case = actions.do_publish_answer(case, external_url="https://t.me/c/1/2", acting_user=cast.roads)
    publication = case.publications.get()
    assert (case.status, publication.account, publication.url) == ("answered", None, "https://t.me/c/1/2")


@pytest.mark.parametrize(
    "url",
    [
        "https://vk.com:443@evil.example/wall-1_1",
        "https://user@vk.com/wall-1_1",
        "https://vk.com.evil.example/wall-1_1",
        "https://evil.example/vk.com/wall-1_1",
        "https://vk.com\\@evil.example/",
        "javascript://vk.com/%0aalert(1)",
    ],
)
def test_it_refuses_a_manual_link_that_only_looks_like_the_network(cast, clock, approved, url):
    with pytest.raises(Exception, match="соцсеть|ссылк"):
        actions.do_publish_answer(approved, external_url=url, acting_user=cast.specialist)
    assert approved.publications.count() == 0


def test_a_stuck_pending_answer_can_be_posted_by_hand(cast, clock, approved):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    case = actions.do_publish_answer(case, external_url="https://vk.com/wall-1_1?reply=9", acting_user=cast.roads)
    publication = case.publications.get()
    assert (case.status, publication.status, publication.confirmed_by) == ("answered", "published", cast.roads)
