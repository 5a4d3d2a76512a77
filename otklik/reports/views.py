"""Report pages: the §23 archive and month report (HTML, XLSX, PDF), the dashboard, the regional view."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from otklik.directory.models import Municipality, Organization
from otklik.reports import charts, exports, queries, services
from otklik.reports.models import MonthlyReport, ReportDocument
from otklik.web.context_processors import NavItem


def nav(request: HttpRequest) -> list[NavItem]:
    """Dashboard and reports in the navigation, for those who may read them."""
    if not queries.reportable_municipalities(request.user).exists():
        return []
    return [
        NavItem("Показатели", "/dashboard/", key="dashboard"),
        NavItem("Отчёты (п. 23)", "/reports/violations/", key="reports"),
    ]


def _municipalities(request: HttpRequest) -> list[Municipality]:
    allowed = list(queries.reportable_municipalities(request.user))
    if not allowed:
        raise Http404("Нет доступа к отчётам")
    return allowed


def _pick(request: HttpRequest, allowed: list[Municipality]) -> Municipality:
    slug = request.GET.get("municipality")
    if slug:
        for m in allowed:
            if m.slug == slug:
                return m
        raise Http404("Муниципалитет не найден")
    return allowed[0]


# --- §23 ---------------------------------------------------------------------------------------


@login_required
def violations_archive(request: HttpRequest) -> HttpResponse:
    allowed = _municipalities(request)
    municipality = _pick(request, allowed)
    reports = MonthlyReport.objects.filter(municipality=municipality).order_by("-month")
    today = timezone.localtime(timezone.now(), municipality.tzinfo).date()
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = services.previous_month(dt.date(year, month, 1))
    return render(
        request,
        "reports/archive.html",
        {"municipality": municipality, "municipalities": allowed, "reports": reports, "months": months},
    )


@login_required
def violations_month(request: HttpRequest, key: str) -> HttpResponse:
    m = re.fullmatch(r"(\d{4})-(\d{2})", key)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise Http404("Неверный месяц")
    year, month = int(m.group(1)), int(m.group(2))
    allowed = _municipalities(request)
    municipality = _pick(request, allowed)
    report, row = services.month_report(municipality, year, month, live=bool(request.GET.get("live")))
    frozen = row is not None
    fmt = request.GET.get("format", "html")
    if fmt == "pdf":  # made by the worker: the page follows its progress
        doc = services.request_pdf(municipality, year, month, row, request.user)
        return redirect(reverse("violations_document", args=[doc.key, doc.pk]))
    if fmt == "xlsx":
        return exports.download(*services.violations_file(municipality, report, row, fmt))
    full = len(report.rows) <= exports.FULL_LIST_LIMIT  # beyond it, a summary and the XLSX (as in the PDF)
    return render(
        request,
        "reports/violations.html",
        {
            "report": report,
            "frozen": frozen,
            "municipality": municipality,
            "municipalities": allowed,
            "full": full,
            "summary": [] if full else exports.summary(report),
        },
    )


@login_required
def violations_document(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """A §23 PDF the worker makes: its progress (the page refreshes itself), then the file."""
    allowed = _municipalities(request)
    doc = get_object_or_404(ReportDocument.objects.defer("content"), pk=pk, municipality__in=allowed)
    if doc.key != key:
        raise Http404("Документ не найден")
    if doc.state == ReportDocument.State.READY and request.GET.get("download"):
        content = ReportDocument.objects.values_list("content", flat=True).get(pk=doc.pk)
        return exports.download(bytes(content or b""), exports.PDF, doc.filename)
    return render(
        request,
        "reports/document.html",
        {"doc": doc, "municipality": doc.municipality, "ready": doc.state == ReportDocument.State.READY},
    )


# --- dashboard ---------------------------------------------------------------------------------


def _period(request: HttpRequest, tz: Any) -> tuple[dt.date, dt.date]:
    today = timezone.localtime(timezone.now(), tz).date()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    if (end - start).days > 400:
        start = end - dt.timedelta(days=400)
    return start, end


def _filters(request: HttpRequest) -> tuple[queries.Filters, dict[str, Any]]:
    allowed = _municipalities(request)
    slug = request.GET.get("municipality", "")
    chosen = [m for m in allowed if m.slug == slug] if slug else allowed[:1]
    if not chosen:
        raise Http404("Муниципалитет не найден")
    tz = chosen[0].tzinfo
    start_day, end_day = _period(request, tz)
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    organizations = list(Organization.objects.filter(municipality__in=chosen, is_active=True).order_by("short_name"))
    organization = None
    org_id = request.GET.get("organization", "")
    if org_id.isdigit():
        organization = next((o for o in organizations if o.pk == int(org_id)), None)
    context = {
        "municipalities": allowed,
        "municipality": chosen[0],
        "organizations": organizations,
        "organization": organization,
        "start": start_day,
        "end": end_day,
    }
    return queries.Filters(chosen, start, end, organization), context


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    f, context = _filters(request)
    data = queries.dashboard(f)
    if request.GET.get("format") == "xlsx":
        title = f"{context['municipality'].name}: показатели с {context['start']:%d.%m.%Y} по {context['end']:%d.%m.%Y}"
        return exports.download(
            exports.dashboard_xlsx(data, title=title), exports.XLSX, f"pokazateli-{context['municipality'].slug}.xlsx"
        )
    context.update(
        data=data,
        stage_chart=charts.hbars(
            [(r["name"], r["share"] * 100) for r in data["per_stage"]],
            fmt="{:.0f} %",
            max_value=100,
            title="Доля в срок по этапам",
        ),
        org_chart=charts.hbars(
            [(r["name"], r["share"] * 100) for r in data["per_org"]],
            fmt="{:.0f} %",
            max_value=100,
            title="Доля в срок по организациям",
        ),
        topic_chart=charts.hbars(data["topics"], title="Темы"),
        network_chart=charts.hbars(data["networks"], title="Соцсети"),
        weekly_chart=charts.weekly_bars(data["weekly"]),
        query=request.GET.urlencode(),
    )
    return render(request, "reports/dashboard.html", context)


@login_required
def regional(request: HttpRequest) -> HttpResponse:
    allowed = _municipalities(request)
    start_day, end_day = _period(request, allowed[0].tzinfo)
    tz = allowed[0].tzinfo
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    rows = queries.regional(allowed, start, end)
    return render(request, "reports/regional.html", {"rows": rows, "start": start_day, "end": end_day})
