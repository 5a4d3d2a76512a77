"""The public list of official accounts (§6): no login, for the municipality's website."""

from __future__ import annotations

from collections import OrderedDict

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from otklik.directory.models import Municipality, OfficialAccount


def _public_accounts(request: HttpRequest):  # type: ignore[no-untyped-def]
    qs = (
        OfficialAccount.objects.filter(is_public=True, is_active=True, organization__is_active=True)
        .select_related("organization", "organization__municipality")
        .order_by("organization__municipality__name", "organization__kind", "organization__short_name", "network")
    )
    slug = request.GET.get("municipality")
    municipality = None
    if slug:
        municipality = get_object_or_404(Municipality, slug=slug)
        qs = qs.filter(organization__municipality=municipality)
    return municipality, qs


def _grouped(accounts):  # type: ignore[no-untyped-def]
    groups: OrderedDict[int, dict] = OrderedDict()
    for acc in accounts:
        org = acc.organization
        group = groups.setdefault(org.pk, {"organization": org, "accounts": []})
        group["accounts"].append(acc)
    return list(groups.values())


@require_GET
def public_accounts(request: HttpRequest) -> HttpResponse:
    municipality, accounts = _public_accounts(request)
    return render(
        request,
        "directory/public_accounts.html",
        {"municipality": municipality, "groups": _grouped(accounts)},
    )


@require_GET
def public_accounts_json(request: HttpRequest) -> JsonResponse:
    municipality, accounts = _public_accounts(request)
    data = [
        {
            "municipality": g["organization"].municipality.slug,
            "organization": g["organization"].name,
            "organization_short_name": g["organization"].short_name,
            "accounts": [
                {"network": a.network, "network_name": a.get_network_display(), "name": a.name, "url": a.url}
                for a in g["accounts"]
            ],
        }
        for g in _grouped(accounts)
    ]
    response = JsonResponse({"organizations": data}, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
