"""OK request signing checked against an independent worked example, not against our own sign().

apiok.ru ("Расчет подписи запроса") gives the rule and an interactive calculator, but no
printed numbers; the worked example below is the one published in the documentation of
an independent OK client (aiookru, "Server-Server signature generation circuit"):
secret_key = md5(access_token + application_secret_key) = b1a2b897…, and
sig = md5("application_key=ABCDEFGHIGKLMNOPKformat=jsonmethod=events.get" + secret_key).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx

from otklik.connectors.ok.client import OkClient

EXAMPLE = {
    "application_key": "ABCDEFGHIGKLMNOPK",
    "application_secret_key": "ABC123DEF456GHI789JKL123",
    "access_token": "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
    "sig": "232c8eb921951c4dba9b72606f9ddb4c",
}


def test_the_client_signs_a_request_as_the_published_example():
    sent: dict[str, str] = {}

    def network(request: httpx.Request) -> httpx.Response:
        sent.update(parse_qsl(request.content.decode()))
        return httpx.Response(200, json=[])

    client = OkClient(
        "https://api.ok.ru/fb.do",
        application_key=EXAMPLE["application_key"],
        application_secret_key=EXAMPLE["application_secret_key"],
        access_token=EXAMPLE["access_token"],
        http=httpx.Client(transport=httpx.MockTransport(network)),
    )
    client.call("events.get")
    assert sent["sig"] == EXAMPLE["sig"]
    assert sent["access_token"] == EXAMPLE["access_token"]  # sent, but not part of the signed string
    assert {k for k in sent} == {"application_key", "format", "method", "sig", "access_token"}
