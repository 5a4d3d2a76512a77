"""«Отсутствие и замещение»: a person (or their organization's responsible) marks an absence with a deputy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from otklik.directory.models import Absence, Membership, Role
from otklik.directory.people import do_cancel_absence, do_set_absence, may_manage_absence


def _name(user: Any) -> str:
    return user.get_full_name() or user.username


def _colleagues(user: Any) -> Any:
    """People of the user's organizations (deputies must work there too)."""
    orgs = Membership.objects.filter(user=user, organization__isnull=False).values("organization_id")
    ids = Membership.objects.filter(organization_id__in=orgs).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name")


def _managed(user: Any) -> Any:
    """Whose absence ``user`` may mark: themself and, as org_responsible, their organizations' people."""
    orgs = Membership.objects.filter(user=user, role=Role.ORG_RESPONSIBLE).values("organization_id")
    ids = Membership.objects.filter(organization_id__in=orgs).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True) | get_user_model().objects.filter(pk=user.pk)


class AbsenceForm(forms.Form):
    person = forms.ModelChoiceField(label="Кто отсутствует", queryset=None)  # type: ignore[arg-type]
    starts_on = forms.DateField(label="С", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="По (включительно)", widget=forms.DateInput(attrs={"type": "date"}))
    deputy = forms.ModelChoiceField(label="Замещающий", queryset=None)  # type: ignore[arg-type]
    comment = forms.CharField(label="Причина (отпуск, командировка…)", required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("person", _managed(user).distinct()), ("deputy", _colleagues(user).exclude(pk=user.pk))):
            field = self.fields[name]
            field.queryset = qs.order_by("last_name", "first_name")  # type: ignore[attr-defined]
            field.label_from_instance = _name  # type: ignore[attr-defined]
        self.fields["person"].initial = user.pk


@login_required
def absences(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AbsenceForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_set_absence(
                data["person"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                deputy=data["deputy"],
                comment=data["comment"],
                acting_user=user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Отсутствие отмечено: обращения и уведомления {_name(data['person'])} получит {_name(data['deputy'])}.",
            )
            return redirect("absences")
    items = (
        (Absence.objects.filter(user__in=_managed(user)) | Absence.objects.filter(deputy_id=user.pk))
        .select_related("user", "deputy")
        .distinct()
        .order_by("-starts_on", "-id")[:50]
    )
    rows = [(a, may_manage_absence(user, a.user)) for a in items]
    return render(request, "directory/absences.html", {"form": form, "rows": rows})


@login_required
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(Absence, pk=pk)
    try:
        do_cancel_absence(absence, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Отсутствие отменено.")
    return redirect("absences")
