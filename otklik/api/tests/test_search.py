"""Search (``q``) in the case list: the same on SQLite and PostgreSQL, as the inbox's search box."""

import pytest


def _ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


@pytest.fixture
def found(cast, make_case):
    return make_case("Во дворе дома 5 по улице Ленина яма, Глубокая!")


@pytest.fixture
def other(cast, make_case):
    return make_case("Нет света на Садовой")


@pytest.mark.parametrize("q", ["глубокая", "ГЛУБОКАЯ", "Глубокая", "ленина 5", "ул. Ленина, д. 5", "яма Ленина"])
def test_it_finds_words_in_any_case_and_order(cast, as_user, found, other, q):
    assert _ids(as_user(cast.specialist).get("/cases", {"q": q})) == [found.pk]


@pytest.mark.parametrize("q", ["{pk}", "№{pk}", "№ {pk}", "#{pk}"])
def test_it_finds_a_case_by_its_number(cast, as_user, found, other, q):
    assert found.pk in _ids(as_user(cast.specialist).get("/cases", {"q": q.format(pk=found.pk)}))
    assert other.pk not in _ids(as_user(cast.specialist).get("/cases", {"q": q.format(pk=found.pk)}))


def test_it_finds_a_case_by_its_authors_name(cast, as_user, found, other):
    assert set(_ids(as_user(cast.specialist).get("/cases", {"q": "мария петрова"}))) == {found.pk, other.pk}


def test_it_finds_a_case_by_a_link_to_the_post_as_copied_from_a_phone(cast, as_user, found, other):
    link = found.primary_post.url.replace("https://vk.com", "https://m.vk.com") + "?reply=1"
    assert _ids(as_user(cast.specialist).get("/cases", {"q": link})) == [found.pk]


def test_it_finds_only_what_the_caller_may_see(cast, as_user, found):
    assert _ids(as_user(cast.housing).get("/cases", {"q": str(found.pk)})) == []


def test_it_finds_nothing_for_words_nobody_wrote(cast, as_user, found):
    assert _ids(as_user(cast.specialist).get("/cases", {"q": "ленина трамвай"})) == []
