"""Report pages: the §23 archive and month report (HTML, XLSX, PDF), the dashboard, the regional view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from otklik.cases import params
from otklik.cases.errors import ValidationFailed
from otklik.directory.models import Municipality, Organization, Role
from otklik.directory.roles import scope_of
from otklik.reports import charts, exports, feedwait, quality, queries, services
from otklik.reports.models import MonthlyReport, ReportDocument
from otklik.web.context_processors import NavItem
from otklik.web.responses import bad_request


def nav(request: HttpRequest) -> list[NavItem]:
    """Dashboard and reports in the navigation, for those who may read them."""
    # One query: are there any, and more than one (the regional centre compares municipalities)?
    some = list(queries.reportable_municipalities(request.user).values_list("pk", flat=True)[:2])
    if not some:
        return []
    items = [
        NavItem("Показатели", "/dashboard/", key="dashboard"),
        NavItem("Отчёты (п. 23)", "/reports/violations/", key="reports"),
    ]
    if len(some) > 1 or scope_of(request.user).global_observer:
        items.append(NavItem("По муниципалитетам", "/reports/region/", key="regional"))
    return items


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
    try:
        year, month = params.check_month(key)
    except ValidationFailed as exc:
        return bad_request(request, exc.message)
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
    archived = services.archived_row(municipality, year, month)
    error = ""
    if request.method == "POST" and archived is not None:
        try:
            services.sign_report(archived, user=request.user, comment=request.POST.get("comment", ""))
        except services.SignOffError as exc:
            error = exc.message
        else:
            messages.success(request, "Отчёт подписан и направлен Главе.")
            return redirect(f"{request.path}?municipality={municipality.slug}")
    may_sign = (
        archived is not None
        and archived.sent_at is None
        and scope_of(request.user).has_role(municipality.pk, Role.COORDINATOR)
    )
    full = len(report.rows) <= exports.FULL_LIST_LIMIT  # beyond it, a summary and the XLSX (as in the PDF)
    return render(
        request,
        "reports/violations.html",
        {
            "report": report,
            "frozen": frozen,
            "municipality": municipality,
            "municipalities": allowed,
            "row": archived,
            "send_by": services.send_by(archived) if archived is not None else None,
            "may_sign": may_sign,
            "comment": request.POST.get("comment", "") if error else (archived.comment if archived else ""),
            "error": error,
            "full": full,
            "summary": [] if full else exports.summary(report),
        },
        status=400 if error else 200,
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
    """The period asked for (a malformed date falls back to the default; one out of the
    range is refused: ValidationFailed)."""
    today = timezone.localtime(timezone.now(), tz).date()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    params.check_date(start, "Начало периода")
    params.check_date(end, "Конец периода")
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
    try:
        f, context = _filters(request)
    except ValidationFailed as exc:
        return bad_request(request, exc.message)
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
        unsatisfactory=quality.unsatisfactory_count(f.municipalities, f.start, f.end),
        feed_wait_people=feedwait.per_specialist(f.municipalities, f.start, f.end),
        feed_wait_months=feedwait.per_month(f.municipalities, f.start, f.end),
        query=request.GET.urlencode(),
    )
    return render(request, "reports/dashboard.html", context)


@login_required
def regional(request: HttpRequest) -> HttpResponse:
    allowed = _municipalities(request)
    try:
        start_day, end_day = _period(request, allowed[0].tzinfo)
    except ValidationFailed as exc:
        return bad_request(request, exc.message)
    tz = allowed[0].tzinfo
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    rows = queries.regional(allowed, start, end)
    return render(request, "reports/regional.html", {"rows": rows, "start": start_day, "end": end_day})
