"""Schemathesis against the live OpenAPI document: no 5xx, every response matches the schema.

Heavy (run once, on PostgreSQL, in CI): a bounded number of examples per operation, valid
and invalid inputs, with a specialist's token over a small seeded municipality.
"""

from __future__ import annotations

import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from otklik.api.models import ApiToken
from otklik.cases import actions as A

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("OTKLIK_SCHEMATHESIS_EXAMPLES", "5"))


def _seed(cast, make_case):
    for i in range(3):
        make_case(f"Сообщение {i}")
    routed = A.do_route_case(
        make_case("Яма"), [cast.roads_org, cast.water_org], lead=cast.roads_org, acting_user=cast.specialist
    )
    A.do_submit_coexecutor_info(routed.assignments.get(role="co"), text="часть", acting_user=cast.water)
    sole = A.do_route_case(make_case("Свет"), [cast.roads_org], acting_user=cast.specialist)
    A.do_submit_draft(sole, text="Проект", acting_user=cast.roads)
    make_case(detected=False)


@pytest.mark.heavy
@override_settings(OTKLIK_API_RATE_LIMIT="0")
def test_api_holds_under_schemathesis(cast, make_case):
    from otklik.wsgi import application

    # Like Django's test client: a request's end must not close the test's (transactional) connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _fuzz(cast, make_case, application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(cast, make_case, application):  # type: ignore[no-untyped-def]
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    _seed(cast, make_case)
    token, raw = ApiToken.issue(user=cast.specialist, name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):  # type: ignore[no-untyped-def]
                # The fuzzer may revoke the very token it uses (DELETE /tokens/{id}): keep it alive.
                ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
                response = case.call(headers=headers)
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:  # nothing to negate (e.g. GET /ping has no inputs)
                continue
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # collect every operation's failure, then report them together
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)


# ---- issue 19: NUL characters and boundary dates in every parameter -----------------------

NUL = "\u0000"
BOUNDARY_DATES = ("9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01")


def _poisoned(value: object) -> list[object]:
    """Variants of one generated value: a NUL inside text, dates at and past the boundaries."""
    if not isinstance(value, str):
        return []
    out: list[object] = [value + NUL, NUL + value]
    if len(value) >= 10 and value[4:5] == "-" and value[:4].isdigit():  # a date or a moment
        out += [d + value[10:] for d in BOUNDARY_DATES]
    if len(value) == 7 and value[4:5] == "-" and value[:4].isdigit():  # a month, ГГГГ-ММ
        out += ["9999-12", "0000-01", "2026-13"]
    return out


def _variants(case):  # type: ignore[no-untyped-def]
    """The case itself, changed one value at a time (and changed back after each use)."""
    containers = [getattr(case, "query", None), getattr(case, "path_parameters", None)]
    if isinstance(case.body, dict):
        containers.append(case.body)
    for values in containers:
        for key, value in list((values or {}).items()):
            for bad in _poisoned(value):
                values[key] = bad
                yield case
            values[key] = value


@pytest.mark.heavy
@override_settings(OTKLIK_API_RATE_LIMIT="0")
def test_api_refuses_nul_and_boundary_dates_without_5xx(cast, make_case):
    from otklik.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _poison(cast, make_case, application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _poison(cast, make_case, application):  # type: ignore[no-untyped-def]
    from schemathesis.generation import GenerationMode

    _seed(cast, make_case)
    token, raw = ApiToken.issue(user=cast.coordinator, name="schemathesis-poison")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures: list[str] = []
    tried = {"n": 0}
    for operation in [result.ok() for result in schema.get_all_operations()]:

        @settings(
            max_examples=2,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def run(case):  # type: ignore[no-untyped-def]
            for variant in _variants(case):
                ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
                response = variant.call(headers=headers)
                tried["n"] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{operation.label}: {response.status_code} {variant.path_parameters} {variant.query} {variant.body!r:.300}"
                    )

        try:
            run()
        except Unsatisfiable:
            continue
    assert tried["n"] > 100
    assert not failures, "\n".join(failures[:50])
