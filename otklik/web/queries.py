"""What the pages read beside the case lists of ``otklik.cases.queries``: the inbox's filter
form, the feed, the navigation's counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.utils import timezone

from otklik.cases import params
from otklik.cases.access import visible_cases
from otklik.cases.models import Case, Post
from otklik.cases.queries import OPEN_STATUSES, Filters, view_filter, views_for
from otklik.cases.workflow import Status
from otklik.directory.models import Network, Organization, Role, Topic
from otklik.directory.roles import scope_of


def validate_date(value: dt.date) -> None:
    """The pages' adapter of the one date rule (``cases.params``)."""
    if problem := params.date_problem(value):
        raise forms.ValidationError(problem)


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        label="Поиск",
        help_text="Номер обращения, слова из текста или адреса, имя автора, ссылка на сообщение",
        required=False,
        max_length=200,
    )
    status = forms.ChoiceField(label="Статус", required=False)
    network = forms.ChoiceField(label="Соцсеть", required=False)
    topic = forms.ModelChoiceField(label="Тема", required=False, queryset=Topic.objects.none())
    organization = forms.ModelChoiceField(label="Организация", required=False, queryset=Organization.objects.none())
    date_from = forms.DateField(
        label="С", required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date]
    )
    date_to = forms.DateField(
        label="По", required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date]
    )
    overdue = forms.BooleanField(label="Просроченные", required=False)
    significant = forms.BooleanField(label="Социально значимые", required=False)
    excluded = forms.BooleanField(label="Исключённые (п. 22)", required=False)

    def __init__(self, *args: Any, municipality_ids: set[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Любой"),
            *[(s.value, s.label) for s in Status if s != Status.FEED],
        ]
        self.fields["network"].choices = [("", "Любая"), *Network.choices]  # type: ignore[attr-defined]
        topics = Topic.objects.filter(is_active=True)
        orgs = Organization.objects.filter(is_active=True)
        if municipality_ids is not None:
            topics = topics.filter(municipality_id__in=municipality_ids)
            orgs = orgs.filter(municipality_id__in=municipality_ids)
        self.fields["topic"].queryset = topics  # type: ignore[attr-defined]
        self.fields["organization"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["topic"].empty_label = "Любая"  # type: ignore[attr-defined]
        self.fields["organization"].empty_label = "Любая"  # type: ignore[attr-defined]

    def is_active(self) -> bool:
        """Whether any filter is set (then the filter panel stays open)."""
        return self.is_valid() and any(v not in (None, "", False) for v in self.cleaned_data.values())

    def filters(self) -> Filters:
        """The chosen filters (none when the form is not valid)."""
        if not self.is_valid():
            return Filters()
        d = self.cleaned_data
        return Filters(
            q=d["q"],
            status=d["status"],
            network=d["network"],
            topic=d["topic"].pk if d["topic"] else None,
            organization=d["organization"].pk if d["organization"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            overdue=d["overdue"],
            significant=d["significant"],
            excluded=d["excluded"],
        )


def municipality_ids_of(user: Any) -> set[int] | None:
    """Municipalities whose directories (topics, organizations) this user may filter by; None = all."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer:
        return None
    return set(scope.roles_by_municipality)


def page_of(qs: QuerySet[Any], page: int, size: int = 50) -> tuple[list[Any], bool]:
    """One page and whether there is a next one (LIMIT size+1, no COUNT)."""
    start = (page - 1) * size
    rows = list(qs[start : start + size + 1])
    return rows[:size], len(rows) > size


def feed_queryset(user: Any) -> QuerySet[Case]:
    scope = scope_of(user)
    qs = visible_cases(user).filter(status=Status.FEED)
    if not (scope.is_superuser or scope.global_observer):
        # Only those who pick messages out (§9.1) work the feed; executors never see it.
        specialist_munis = {
            m for m, roles in scope.roles_by_municipality.items() if roles & {Role.SPECIALIST, Role.COORDINATOR}
        }
        qs = qs.filter(municipality_id__in=specialist_munis)
    related = ["primary_post", "topic"]
    if triage_available():
        related.append("primary_post__triage")
    return qs.select_related(*related).order_by("-primary_post__published_at", "-pk")


def triage_available() -> bool:
    """True when the triage app's per-post results exist in this build."""
    return hasattr(Post, "triage")


def triage_of(post: Post | None) -> Any:
    if post is None or not triage_available():
        return None
    try:
        return post.triage  # type: ignore[attr-defined]
    except Exception:  # RelatedObjectDoesNotExist: not triaged yet
        return None


# Counts in the navigation stop at this number (shown as «999+»): exact counts of a huge
# backlog cost a scan, and nobody needs to know whether it is 1,200 or 1,300.
COUNT_CAP = 999


def capped_count(qs: QuerySet[Any]) -> int:
    """``min(qs.count(), COUNT_CAP + 1)`` reading at most COUNT_CAP + 1 index entries."""
    return qs.order_by().values("pk")[: COUNT_CAP + 1].count()


def nav_counts(user: Any) -> dict[str, int]:
    """Counts of the inbox views that show in the navigation (cached on the user for the request)."""
    cached = getattr(user, "_otklik_nav_counts", None)
    if cached is not None:
        return cached
    now = timezone.now()
    # Only open cases can be in a counted view: the status index keeps this cheap on millions.
    qs = visible_cases(user).filter(status__in=OPEN_STATUSES)
    counted = [v.key for v in views_for(user) if v.counts_in_nav]
    scope = scope_of(user)
    if scope.organization_ids and not (scope.is_superuser or scope.global_observer or scope.municipality_wide_ids()):
        # Someone who sees cases only through organizations sees their few thousand: one pass
        # counts every view, instead of one pass per view.
        found = qs.aggregate(**{key: Count("pk", filter=view_filter(user, key, now)) for key in counted})
        counts = {key: min(found[key], COUNT_CAP + 1) for key in counted}
    else:
        counts = {key: capped_count(qs.filter(view_filter(user, key, now))) for key in counted}
    user._otklik_nav_counts = counts
    return counts


def feed_count(user: Any) -> int:
    return capped_count(feed_queryset(user))
