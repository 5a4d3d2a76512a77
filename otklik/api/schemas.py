"""Request and response shapes. Inputs reject unknown fields (a typo must not be ignored silently)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, model_validator

NUL_MESSAGE = "Символ NUL (\\u0000) недопустим в тексте: уберите его и повторите."


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(NUL_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_nul(item)


class In(Schema):
    """Every request body: unknown fields refused; no NUL anywhere in it (issue 19 item 7:
    PostgreSQL cannot store it — refused with 400 rather than altered)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _refuse_nul(data if isinstance(data, (dict, list, str)) else getattr(data, "__dict__", None))
        return data


Text = Field(..., min_length=1, max_length=20000)
Reason = Field(..., min_length=1, max_length=4000, description="Причина (обязательна, не пустая)")


# ---- reference data -------------------------------------------------------


class MunicipalityOut(Schema):
    id: int
    slug: str
    name: str
    timezone: str


class OrganizationOut(Schema):
    id: int
    municipality: str = Field(..., description="Код муниципалитета")
    parent_id: int | None
    kind: str
    name: str
    short_name: str
    is_active: bool


class AccountOut(Schema):
    id: int
    organization_id: int
    network: str
    name: str
    url: str
    external_id: str
    is_public: bool
    is_active: bool


class StageLimitOut(Schema):
    stage: str
    value: int
    unit: str


class ProfileOut(Schema):
    municipality: str
    name: str
    stages: list[StageLimitOut]
    extra: dict[str, Any] = Field(default_factory=dict)


# ---- calendar ---------------------------------------------------------------


class CalendarAddOut(Schema):
    start: dt.datetime
    duration: str
    result: dt.datetime
    timezone: str


class CalendarBetweenOut(Schema):
    start: dt.datetime
    end: dt.datetime
    working_seconds: int
    working_minutes: float
    timezone: str


# ---- cases ------------------------------------------------------------------


class TopicRef(Schema):
    id: int
    name: str


class AssignmentRef(Schema):
    id: int
    organization_id: int
    organization: str
    role: str
    status: str


class CaseOut(Schema):
    id: int
    municipality: str
    status: str
    status_label: str
    version: int
    network: str | None
    source_key: str | None
    url: str | None
    author_name: str | None
    text: str = Field(..., description="Текст сообщения (в списке — первые 500 знаков)")
    published_at: dt.datetime | None
    created_at: dt.datetime
    detected_at: dt.datetime | None
    routed_at: dt.datetime | None
    answered_at: dt.datetime | None
    next_due_at: dt.datetime | None
    topic: TopicRef | None
    is_significant: bool
    excluded_reason: str
    repeat_of: int | None
    assignments: list[AssignmentRef]


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(None, description="Передайте в cursor, чтобы получить следующую страницу")


class PostOut(Schema):
    id: int
    network: str
    source_key: str
    url: str
    author_id: str
    author_name: str
    author_url: str
    text: str
    attachments: list[Any]
    parent_key: str
    published_at: dt.datetime
    collected_at: dt.datetime
    account_id: int | None
    edited_at: dt.datetime | None
    deleted_at: dt.datetime | None


class AssignmentOut(Schema):
    id: int
    organization_id: int
    organization: str
    role: str
    status: str
    is_active: bool
    assigned_at: dt.datetime
    return_reason: str
    returned_at: dt.datetime | None
    info_text: str
    info_submitted_at: dt.datetime | None
    info_remarks: str
    forwarded_at: dt.datetime | None


class DraftOut(Schema):
    id: int
    kind: str
    text: str
    attachments: list[Any]
    version: int
    organization_id: int | None
    author_id: int | None
    submitted_at: dt.datetime
    outcome: str
    reviewed_at: dt.datetime | None
    remarks: str


class PublicationOut(Schema):
    id: int
    draft_id: int
    kind: str
    account_id: int | None
    status: str
    external_id: str
    url: str
    error: str
    created_at: dt.datetime
    published_at: dt.datetime | None


class DeadlineOut(Schema):
    id: int
    stage: str
    point: str
    assignment_id: int | None
    organization_id: int | None
    user_id: int | None
    limit_value: int
    limit_unit: str
    started_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    is_violation: bool


class EventOut(Schema):
    id: int
    kind: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: dt.datetime


class CaseDetail(CaseOut):
    excluded_comment: str
    dismissed_reason: str
    significant_reason: str
    closed_at: dt.datetime | None
    message: PostOut | None
    thread: list[PostOut]
    assignments_full: list[AssignmentOut]
    drafts: list[DraftOut]
    publications: list[PublicationOut]
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    allowed_actions: list[str]


# ---- actions ----------------------------------------------------------------


class VersionIn(In):
    expected_version: int | None = Field(
        None, ge=1, description="Версия обращения, которую видел клиент; если его уже изменили — 409 case_changed"
    )


class RouteIn(VersionIn):
    organizations: list[int] = Field(..., min_length=1, max_length=50, description="Организации-исполнители")
    lead: int | None = Field(None, description="Основной исполнитель (обязателен, если организаций несколько)")


class ReasonIn(VersionIn):
    reason: str = Reason


class RemarksIn(VersionIn):
    remarks: str = Field(..., min_length=1, max_length=4000, description="Замечания (обязательны)")


class AttachmentIn(In):
    type: Literal["photo", "video", "doc", "link", "audio", "other"]
    url: str = Field(..., min_length=1, max_length=1000)
    name: str = Field("", max_length=300)


class InfoIn(VersionIn):
    text: str = Text
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class DraftIn(VersionIn):
    text: str = Text
    kind: Literal["final", "intermediate"] = "final"
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class PublishIn(VersionIn):
    account: int | None = Field(None, description="Официальный аккаунт (по умолчанию — по правилу DESIGN.md)")
    external_url: str | None = Field(
        None, max_length=1000, description="Ссылка на ответ, размещённый вручную: публикация подтверждается сразу"
    )


class ConfirmIn(In):
    external_id: str = Field(..., min_length=1, max_length=255)
    url: str = Field("", max_length=1000)


class FailIn(In):
    error: str = Field(..., min_length=1, max_length=4000)


class ExcludeIn(VersionIn):
    reason_code: Literal["obscenity", "insult", "threat"]
    comment: str = Field("", max_length=4000)


class RepeatIn(VersionIn):
    earlier_case: int


class ActionResult(Schema):
    case: CaseDetail


# ---- exchange -------------------------------------------------------------


class PushMessageIn(In):
    network: str = Field(..., min_length=1, max_length=16, description="vk, ok, telegram, max, other")
    source_key: str = Field(..., min_length=1, max_length=255, description="Ключ, уникальный в пределах соцсети")
    text: str = Field(..., max_length=20000)
    published_at: AwareDatetime = Field(..., description="Время публикации с часовым поясом")
    url: str = Field("", max_length=1000)
    author_id: str = Field("", max_length=128)
    author_name: str = Field("", max_length=300)
    author_url: str = Field("", max_length=1000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    parent_key: str = Field("", max_length=255)
    account: int | None = Field(None, description="Официальный аккаунт, на стене которого сообщение")
    raw: dict[str, Any] = Field(default_factory=dict)


class PushIn(In):
    messages: list[PushMessageIn] = Field(..., min_length=1, max_length=500)


class PushedOut(Schema):
    network: str
    source_key: str
    case_id: int
    status: str
    created: bool


class PushOut(Schema):
    results: list[PushedOut]


# ---- tokens ---------------------------------------------------------------


class TokenIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    expires_in_days: int = Field(90, ge=1, le=366, description="Срок действия в днях")


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="Сам токен: показывается один раз, сохраните его")


class WhoAmI(Schema):
    kind: Literal["user", "service"]
    username: str | None
    full_name: str | None
    municipality: str | None = None
    permissions: list[str] = Field(default_factory=list)
    roles: list[dict[str, Any]] = Field(default_factory=list)
