"""The whole regulation driven only through the API (§9–§19, §22, §24)."""

from otklik.api.tests.conftest import error_code


def test_full_regulation_scenario_through_the_api(cast, as_user, as_service):
    specialist, roads, water = as_user(cast.specialist), as_user(cast.roads), as_user(cast.water)
    push = as_service("push")

    # A regional centre pushes the message in: detected at once (§9.1).
    message = {
        "network": "vk",
        "source_key": "wall-100001_777",
        "text": "Во дворе на Ленина 5 яма и течёт вода из колодца",
        "published_at": "2026-11-27T10:00:00+03:00",
        "url": "https://vk.com/wall-100001_777",
        "author_name": "Мария Петрова",
    }
    r = push.post("/push/messages", {"messages": [message]})
    assert r.status_code == 200, r.content
    case_id = r.json()["results"][0]["case_id"]
    assert r.json()["results"][0]["status"] == "new"

    # §9.2, §17: routed to roads (lead) and the water utility (co-executor).
    r = specialist.post(
        f"/cases/{case_id}/route", {"organizations": [cast.roads_org.pk, cast.water_org.pk], "lead": cast.roads_org.pk}
    )
    assert r.status_code == 200, r.content
    case = r.json()
    assert case["status"] == "assigned"
    roles = {a["organization_id"]: a for a in case["assignments"]}
    assert roles[cast.roads_org.pk]["role"] == "lead" and roles[cast.water_org.pk]["role"] == "co"
    co_id = roles[cast.water_org.pk]["id"]

    # §18: the co-executor sends its part, the specialist approves it; the lead may draft now.
    r = water.post(f"/assignments/{co_id}/info", {"text": "Колодец отремонтируем до 1 декабря."})
    assert r.status_code == 200, r.content
    r = specialist.post(f"/assignments/{co_id}/info/approve")
    assert r.status_code == 200, r.content
    assert "submit_draft" in roads.get(f"/cases/{case_id}").json()["allowed_actions"]

    # §11 → §13 → §14 → §12: a draft, returned with remarks, revised, approved.
    r = roads.post(f"/cases/{case_id}/drafts", {"text": "Яму заделаем.", "kind": "intermediate"})
    assert r.json()["status"] == "review"
    draft_id = r.json()["drafts"][-1]["id"]
    r = specialist.post(f"/drafts/{draft_id}/return", {"remarks": "Укажите срок."})
    assert r.json()["status"] == "revision"
    r = roads.post(f"/cases/{case_id}/drafts", {"text": "Яму заделаем до 5 декабря.", "kind": "intermediate"})
    draft_id = r.json()["drafts"][-1]["id"]
    r = specialist.post(f"/drafts/{draft_id}/approve")
    assert r.json()["status"] == "approved"

    # §16, §15: the intermediate answer is published, then the final one.
    r = roads.post(f"/cases/{case_id}/publish", {"external_url": "https://vk.com/wall-100001_777?reply=1"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "intermediate"
    assert any(d["stage"] == "final_after_intermediate" and d["closed_at"] is None for d in r.json()["deadlines"])
    r = roads.post(f"/cases/{case_id}/drafts", {"text": "Яма заделана, колодец отремонтирован.", "kind": "final"})
    draft_id = r.json()["drafts"][-1]["id"]
    specialist.post(f"/drafts/{draft_id}/approve")
    r = specialist.post(f"/cases/{case_id}/publish", {"external_url": "https://vk.com/wall-100001_777?reply=2"})
    assert r.status_code == 200, r.content
    final = r.json()
    assert final["status"] == "answered"
    assert [p["status"] for p in final["publications"]] == ["published", "published"]
    assert final["events"][0]["kind"] == "case_created"

    # §19: the same author writes again — a repeat, linked to the first case.
    r = push.post("/push/messages", {"messages": [{**message, "source_key": "wall-100001_778", "text": "Опять яма"}]})
    repeat_id = r.json()["results"][0]["case_id"]
    r = specialist.post(f"/cases/{repeat_id}/repeat", {"earlier_case": case_id})
    assert r.status_code == 200, r.content
    assert r.json()["repeat_of"] == case_id

    # §24 and §22 on the repeat: flagged significant, then excluded for insults.
    r = specialist.post(f"/cases/{repeat_id}/significant", {"reason": "Угроза безопасности детей"})
    assert r.json()["is_significant"] is True
    r = specialist.post(f"/cases/{repeat_id}/exclude", {"reason_code": "insult", "comment": "оскорбления"})
    assert r.json()["status"] == "excluded"

    # §10: a sole executor returns a case as not competent; it goes back to «new».
    r = push.post("/push/messages", {"messages": [{**message, "source_key": "wall-100001_779"}]})
    third = r.json()["results"][0]["case_id"]
    r = specialist.post(f"/cases/{third}/route", {"organizations": [cast.roads_org.pk]})
    sole_id = r.json()["assignments"][0]["id"]
    r = roads.post(f"/assignments/{sole_id}/return", {"reason": "Это двор: компетенция ЖКХ"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "new"

    # And once answered nothing more can happen to the first case.
    r = specialist.post(f"/cases/{case_id}/dismiss", {"reason": "поздно"})
    assert r.status_code == 409
    assert error_code(r) == "invalid_transition"
