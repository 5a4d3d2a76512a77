"""Forms of the case page: one per action, each carrying the case version it was shown at."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms

from otklik.cases.models import Assignment, Case, Draft
from otklik.cases.publishing import shared_repeats
from otklik.directory.models import OfficialAccount, Organization, Topic
from otklik.regulation.stages import AbuseCategory
from otklik.web.models import AnswerTemplate
from otklik.web.uploads import FilesMixin

TEXT = forms.Textarea(attrs={"rows": 3})
LONG_TEXT = forms.Textarea(attrs={"rows": 8})

EXCLUDE_REASONS = [(c.value, str(c.label).capitalize()) for c in AbuseCategory]


def safe_http_url(value: str) -> bool:
    """Only absolute http(s) URLs with a host: never javascript:, data: or relative paths."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class AttachmentsField(forms.CharField):
    """Links to photos/videos/documents, one per line (http/https only)."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "https://… — по одной ссылке в строке"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Вложения (ссылки на фото, видео, документы)")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[dict[str, str]]:  # type: ignore[override]
        text = super().clean(value) or ""
        out = []
        for line in text.splitlines():
            url = line.strip()
            if not url:
                continue
            if not safe_http_url(url):
                raise forms.ValidationError(f"Не похоже на ссылку http(s): {url[:80]}")
            lower = url.lower().split("?")[0]
            kind = "photo" if lower.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp")) else "link"
            if lower.endswith((".mp4", ".webm", ".mov")):
                kind = "video"
            out.append({"type": kind, "url": url, "name": url.rsplit("/", 1)[-1][:200]})
        return out


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)


class EmptyForm(ActionForm):
    pass


class ReasonForm(ActionForm):
    reason = forms.CharField(label="Причина", widget=TEXT, max_length=4000)


class ExcludeForm(ActionForm):
    reason_code = forms.ChoiceField(label="Основание (п. 22)", choices=EXCLUDE_REASONS)
    comment = forms.CharField(label="Комментарий", widget=TEXT, required=False, max_length=4000)


class RouteForm(ActionForm):
    organizations = forms.ModelMultipleChoiceField(
        label="Исполнители", queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    lead = forms.ModelChoiceField(
        label="Основной исполнитель (если организаций несколько)",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(municipality_id=self.case.municipality_id, is_active=True).order_by(
            "kind", "short_name"
        )
        self.fields["organizations"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["lead"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["lead"].empty_label = None  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        orgs = list(data.get("organizations") or [])
        lead = data.get("lead")
        if len(orgs) > 1 and lead is None:
            self.add_error("lead", "Организаций несколько: укажите основного исполнителя (п. 17).")
        if lead is not None and lead not in orgs:
            if len(orgs) <= 1:
                data["lead"] = None  # a lone org: the lead mark is moot
            else:
                self.add_error("lead", "Основной исполнитель должен быть среди выбранных организаций.")
        if len(orgs) == 1:
            data["lead"] = None
        return data


class _AssignmentForm(ActionForm):
    assignment = forms.ModelChoiceField(queryset=Assignment.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = Assignment.objects.filter(  # type: ignore[attr-defined]
            case=self.case, is_active=True
        )


class AssignmentForm(_AssignmentForm):
    pass


class AssignPersonForm(_AssignmentForm):
    """§7: the organization's responsible names the executor of its part (empty: the whole organization)."""

    person = forms.ModelChoiceField(label="Исполнитель", queryset=None, required=False)  # type: ignore[arg-type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.contrib.auth import get_user_model

        from otklik.directory.models import Membership, Role

        super().__init__(*args, **kwargs)
        raw = str(self.initial.get("assignment") or self.data.get(self.add_prefix("assignment")) or "")
        org_id = (
            Assignment.objects.filter(pk=int(raw), case=self.case).values_list("organization_id", flat=True).first()
            if raw.isdigit()
            else None
        )
        people = Membership.objects.filter(
            organization_id=org_id or 0, role__in=[Role.EXECUTOR, Role.ORG_RESPONSIBLE]
        ).values("user_id")
        field: Any = self.fields["person"]
        field.queryset = (
            get_user_model().objects.filter(pk__in=people, is_active=True).order_by("last_name", "first_name")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.username
        field.empty_label = "Вся организация (никто лично)"


class AssignmentReasonForm(_AssignmentForm):
    reason = forms.CharField(label="Причина возврата", widget=TEXT, max_length=4000)


class AssignmentRemarksForm(_AssignmentForm):
    remarks = forms.CharField(label="Замечания", widget=TEXT, max_length=4000)


class InfoForm(FilesMixin, _AssignmentForm):
    text = forms.CharField(label="Информация для основного исполнителя", widget=LONG_TEXT, max_length=20000)
    attachments = AttachmentsField()
    field_order = ["assignment", "text", "attachments", "keep_files", "new_files"]


class DraftForm(FilesMixin, ActionForm):
    kind = forms.ChoiceField(
        label="Вид ответа",
        choices=[(Draft.Kind.FINAL, "Окончательный ответ"), (Draft.Kind.INTERMEDIATE, "Промежуточный ответ (п. 15)")],
        initial=Draft.Kind.FINAL,
    )
    text = forms.CharField(label="Текст ответа", widget=LONG_TEXT, max_length=20000)
    attachments = AttachmentsField()
    field_order = ["kind", "text", "attachments", "keep_files", "new_files"]


class _DraftRefForm(ActionForm):
    draft = forms.ModelChoiceField(queryset=Draft.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["draft"].queryset = Draft.objects.filter(case=self.case)  # type: ignore[attr-defined]


class DraftApproveForm(_DraftRefForm):
    pass


class DraftReturnForm(_DraftRefForm):
    remarks = forms.CharField(label="Замечания к проекту", widget=TEXT, max_length=4000)


class PublishForm(ActionForm):
    account = forms.ModelChoiceField(
        label="Аккаунт для размещения", queryset=OfficialAccount.objects.none(), required=False
    )
    external_url = forms.URLField(
        label="Или ссылка на уже размещённый ответ", required=False, assume_scheme="https", max_length=1000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        post = self.case.primary_post
        accounts = OfficialAccount.objects.filter(
            organization__municipality_id=self.case.municipality_id, is_active=True
        ).select_related("organization")
        if post is not None:
            accounts = accounts.filter(network=post.network)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["account"].empty_label = "По правилу (аккаунт, где опубликовано сообщение)"  # type: ignore[attr-defined]
        draft = self.case.drafts.order_by("-version").first()
        repeats = shared_repeats(self.case, draft) if draft is not None else []
        if repeats:
            self.fields["account"].help_text = (
                "Этот же ответ будет размещён и по повторным обращениям "
                f"{', '.join(f'№{pk}' for pk in repeats)} (п. 19) — под их сообщениями, с их аккаунтов. "
                "Ссылка на размещённый вручную ответ закрывает только это обращение."
            )

    def clean_external_url(self) -> str:
        url = self.cleaned_data.get("external_url") or ""
        if url and not safe_http_url(url):
            raise forms.ValidationError("Нужна ссылка http(s).")
        return url


class RepeatForm(ActionForm):
    earlier_case = forms.IntegerField(label="Номер более раннего обращения", min_value=1)


class TopicForm(ActionForm):
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(  # type: ignore[attr-defined]
            municipality_id=self.case.municipality_id, is_active=True
        )


class AnswerTemplateForm(forms.ModelForm):
    class Meta:
        model = AnswerTemplate
        fields = ["title", "topic", "text", "is_active"]
        widgets = {"text": LONG_TEXT}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        self.fields["topic"].queryset = Topic.objects.filter(municipality=municipality)  # type: ignore[attr-defined]
        self.fields["topic"].empty_label = "Любая тема"  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        clash = AnswerTemplate.objects.filter(municipality=self.instance.municipality, title=title)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Шаблон с таким названием уже есть.")
        return title
