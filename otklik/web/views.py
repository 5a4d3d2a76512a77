"""The pages people use all day: inbox, feed, a case with its actions, answer templates.

Thin views: validate a form, go through the access door, call an action, render. Every
form works as a plain POST (redirect after success) and with htmx (the same page is
returned and htmx swaps ``#main`` in place).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from otklik.cases import queries as case_queries
from otklik.cases.access import access_case, allowed_actions, visible_cases
from otklik.cases.errors import ActionError, ActionForbidden, NotVisible
from otklik.cases.models import Case
from otklik.cases.workflow import Status
from otklik.directory.models import Municipality, Role
from otklik.directory.roles import scope_of
from otklik.web import casepage, queries
from otklik.web.casepage import ACTION_FORMS
from otklik.web.context_processors import navigation
from otklik.web.deadlines import describe
from otklik.web.forms import AnswerTemplateForm, ExcludeForm, ReasonForm
from otklik.web.models import AnswerTemplate
from otklik.web.nav import works_feed
from otklik.web.runner import ACTION_DONE, run_action


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send people straight to their first section (inbox for most roles)."""
    items = navigation(request)["nav_items"]
    if items:
        return redirect(items[0].url)
    return render(request, "web/home.html")


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _deadline_rows(cases: list[Case], now: Any) -> None:
    cache: dict[int, Any] = {}
    for c in cases:
        c.deadline_view = describe(  # type: ignore[attr-defined]
            c.next_due_at,
            warn_at=getattr(c, "next_warn_at", None),
            municipality=c.municipality,
            cache=cache,
            now=now,
            stage=getattr(c, "next_stage", "") or "",
            point=getattr(c, "next_point", "") or "",
        )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    views = case_queries.views_for(user)
    view_key = request.GET.get("view") or views[0].key
    if view_key not in {v.key for v in views}:
        view_key = views[0].key
    form = queries.InboxFilterForm(request.GET or None, municipality_ids=queries.municipality_ids_of(user))
    cursor = request.GET.get("after", "")[:80]
    qs = case_queries.inbox(user, view_key, form.filters(), now, timezone.get_current_timezone())
    qs = case_queries.with_next_task(case_queries.with_active_assignments(qs))
    qs = qs.select_related("primary_post", "topic", "municipality")
    try:
        cases, next_cursor = case_queries.keyset_page(qs, cursor)
    except case_queries.InvalidCursor:  # an edited or stale link: the list from its start
        cursor = ""
        cases, next_cursor = case_queries.keyset_page(qs)
    _deadline_rows(cases, now)
    counts = queries.nav_counts(user)
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "web/inbox.html",
        {
            "views": [(v, counts.get(v.key)) for v in views],
            "view_key": view_key,
            "form": form,
            "cases": cases,
            "cursor": cursor,
            "next_cursor": next_cursor,
            "query": params.urlencode(),
            "role_kind": case_queries.role_kind(user),
        },
        # A filter out of range (a date in 9999) is refused, with the reason next to the field.
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def feed(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not works_feed(user):
        raise PermissionDenied("Лента доступна ответственным специалистам.")
    qs = queries.feed_queryset(user)
    only_relevant = request.GET.get("relevant") == "1"
    if only_relevant and queries.triage_available():
        qs = qs.filter(primary_post__triage__relevant=True)
    page = _page_number(request)
    cases, has_next = queries.page_of(qs, page, size=50)
    for c in cases:
        c.triage = queries.triage_of(c.primary_post)  # type: ignore[attr-defined]
    return render(
        request,
        "web/feed.html",
        {
            "cases": cases,
            "page": page,
            "has_next": has_next,
            "only_relevant": only_relevant,
            "exclude_form": ExcludeForm(case=Case(version=0), prefix="bulk"),
            "dismiss_form": ReasonForm(
                case=Case(version=0), prefix="bulk", initial={"reason": "Не требует реакции органов власти"}
            ),
        },
    )


NOTHING_TICKED = "Ничего не отмечено: поставьте галочки у сообщений (или клавиша x), затем нажмите кнопку."
BULK_DONE = {
    "detect": "Взято в работу {n} {cases}",
    "dismiss": "Оставлено без реакции {n} {cases}",
    "exclude": "Исключено {n} {cases} (п. 22)",
}


def cases_word(n: int) -> str:
    """«обращение», «обращения» or «обращений» to go with the number ``n``."""
    if n % 10 == 1 and n % 100 != 11:
        return "обращение"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "обращения"
    return "обращений"


@login_required
@require_POST
def feed_bulk(request: HttpRequest) -> HttpResponse:
    """Detect, dismiss or exclude the checked feed items at once (each through its action)."""
    user = request.user
    if not works_feed(user):
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in ("detect", "dismiss", "exclude"):
        messages.error(request, "Выберите действие.")
        return redirect("feed")
    ids = [int(x) for x in request.POST.getlist("case") if x.isdigit()][:200]
    if not ids:
        messages.error(request, NOTHING_TICKED)
        return redirect("feed")
    done, failed = 0, []
    for case in visible_cases(user).filter(pk__in=ids, status=Status.FEED).select_related("primary_post"):
        if action not in allowed_actions(user, case):
            failed.append(f"№{case.pk}: нет прав")
            continue
        data: dict[str, Any] = {"version": case.version}
        if action == "dismiss":
            data["reason"] = request.POST.get("bulk-reason", "")
        if action == "exclude":
            data["reason_code"] = request.POST.get("bulk-reason_code", "")
            data["comment"] = request.POST.get("bulk-comment", "")
        form = ACTION_FORMS[action][0](data, case=case)
        if not form.is_valid():
            failed.append(f"№{case.pk}: " + "; ".join(str(e) for errs in form.errors.values() for e in errs))
            continue
        try:
            run_action(action, user, case, form.cleaned_data)
            done += 1
        except ActionError as exc:
            failed.append(f"№{case.pk}: {exc.message}")
    if done:
        messages.success(request, BULK_DONE[action].format(n=done, cases=cases_word(done)))
    for line in failed[:10]:
        messages.error(request, line)
    return redirect("feed")


def _get_case(user: Any, pk: int) -> Case:
    try:
        case = casepage.load_case(pk)
        access_case(user, case, for_action="view")
    except (Case.DoesNotExist, NotVisible):
        raise Http404("Обращение не найдено") from None
    return case


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request.user, pk)
    ctx = casepage.case_context(request.user, case)
    template_id = request.GET.get("template", "")
    if template_id.isdigit() and "submit_draft" in ctx["forms"]:
        tpl = AnswerTemplate.objects.filter(
            pk=int(template_id), municipality_id=case.municipality_id, is_active=True
        ).first()
        if tpl is not None:  # no-JS path of «Подставить шаблон»
            form = ctx["forms"]["submit_draft"]
            form.initial["text"] = (form.initial.get("text", "") + "\n\n" + tpl.text).strip()
    similar_id = request.GET.get("similar", "")
    if similar_id.isdigit() and "submit_draft" in ctx["forms"]:
        # no-JS path of «Вставить» (§20): only an answer this case was offered
        offered = {str(s["draft"]): s["text"] for s in ctx.get("similar_answers") or []}
        if similar_id in offered:
            form = ctx["forms"]["submit_draft"]
            form.initial["text"] = (form.initial.get("text", "") + "\n\n" + offered[similar_id]).strip()
    return render(request, "web/case.html", ctx)


@login_required
def case_publication(request: HttpRequest, pk: int) -> HttpResponse:
    """The publication card alone: polled by htmx while the answer is on its way."""
    case = _get_case(request.user, pk)
    return render(request, "web/_publication_card.html", casepage.publication_card_context(request.user, case))


def _publish_outcome(case: Case) -> tuple[str, str]:
    """What to say after «Разместить»: never a success the network has not confirmed."""
    publication = case.publications.order_by("-pk").first()
    if publication is None or publication.status == "pending":
        return "info", "Ответ отправлен в соцсеть. Результат появится в карточке «Размещение»."
    if publication.status == "published":
        return "success", "Ответ размещён."
    return "error", "Ответ не размещён — причина в карточке «Размещение»."


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    case = _get_case(user, pk)
    if action not in ACTION_FORMS:
        raise Http404("Нет такого действия")
    from_feed = request.POST.get("from") == "feed"
    if action not in allowed_actions(user, case):
        return _case_error(request, case, action, None, "Это действие сейчас вам недоступно.", 403)
    form_cls = ACTION_FORMS[action][0]
    prefix = request.POST.get("prefix") or None
    form = form_cls(request.POST, request.FILES, case=case, prefix=prefix)
    if not form.is_valid():
        return _case_error(request, case, action, form, "Проверьте заполнение формы.", 400)
    try:
        run_action(action, user, case, form.cleaned_data)
    except NotVisible:
        raise Http404("Обращение не найдено") from None
    except ActionForbidden as exc:
        return _case_error(request, case, action, form, exc.message, 403)
    except ActionError as exc:
        return _case_error(request, case, action, form, exc.message, 409 if exc.code != "validation_failed" else 400)
    if from_feed:
        if is_htmx(request):
            return HttpResponse("")  # the feed row disappears in place
        messages.success(request, f"№{case.pk}: {ACTION_DONE[action].lower()}.")
        return redirect("feed")
    if action == "publish":
        level, text = _publish_outcome(case)
        getattr(messages, level)(request, text)
    else:
        messages.success(request, f"{ACTION_DONE[action]}.")
    if visible_cases(user).filter(pk=case.pk).exists():
        return redirect("case", pk=case.pk)
    # e.g. an executor returned the case (§10): it is no longer theirs to see.
    if is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = "/inbox/"
        return response
    return redirect("inbox")


def _case_error(request: HttpRequest, case: Case, action: str, form: Any, message: str, status: int) -> HttpResponse:
    if request.POST.get("from") == "feed":
        # A feed row acts in place: answer with the row itself, saying what went wrong.
        if is_htmx(request):
            return HttpResponse(
                format_html('<li class="feed-item error-row" role="alert">№{}: {}</li>', case.pk, message)
            )
        messages.error(request, f"№{case.pk}: {message}")
        return redirect("feed")
    case = casepage.load_case(case.pk)  # re-read: the action may have failed on a newer state
    ctx = casepage.case_context(request.user, case, bound=(action, form) if form is not None else None, error=message)
    # htmx swaps only 2xx answers; a plain POST gets the honest status code.
    return render(request, "web/case.html", ctx, status=200 if is_htmx(request) else status)


def _template_municipality(user: Any) -> Any:
    scope = scope_of(user)

    ids = sorted(scope.roles_by_municipality)
    return Municipality.objects.filter(pk__in=ids).first() if ids else None


def _may_edit_templates(user: Any, municipality: Any) -> bool:
    scope = scope_of(user)
    return scope.is_superuser or (
        municipality is not None and scope.has_role(municipality.pk, Role.SPECIALIST, Role.COORDINATOR)
    )


@login_required
def answer_templates(request: HttpRequest) -> HttpResponse:
    municipality = _template_municipality(request.user)
    if municipality is None:
        raise PermissionDenied
    items = (
        AnswerTemplate.objects.filter(municipality=municipality)
        .select_related("topic")
        .order_by("-is_active", "topic__name", "title")
    )
    return render(
        request,
        "web/answer_templates.html",
        {"items": items, "may_edit": _may_edit_templates(request.user, municipality), "municipality": municipality},
    )


@login_required
def answer_template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    municipality = _template_municipality(request.user)
    if not _may_edit_templates(request.user, municipality):
        raise PermissionDenied
    instance = get_object_or_404(AnswerTemplate, pk=pk, municipality=municipality) if pk else None
    form = AnswerTemplateForm(request.POST or None, instance=instance, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if obj.created_by_id is None:
            obj.created_by = request.user
        obj.save()
        messages.success(request, "Шаблон сохранён.")
        return redirect("answer_templates")
    return render(request, "web/answer_template_form.html", {"form": form, "instance": instance})
