"""One endpoint per action of ``otklik/cases/actions.py``: same rights, same errors, new case state back.

Each endpoint finds the object through the one door (``access_case`` via ``scope``), calls the
action with the caller as ``acting_user`` and returns the case as ``GET /cases/{id}`` shows it.
Service tokens act for no person, so they cannot call these (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from ninja import Field as NinjaField
from ninja import Router

from otklik.api.auth import ApiRequest
from otklik.api.errors import ErrorOut
from otklik.api.schemas import (
    CaseDetail,
    ConfirmIn,
    DraftIn,
    ExcludeIn,
    FailIn,
    InfoIn,
    PublishIn,
    ReasonIn,
    RemarksIn,
    RepeatIn,
    RouteIn,
    VersionIn,
)
from otklik.api.scope import case_for, part_for
from otklik.api.serialize import case_detail, json_response
from otklik.cases import actions
from otklik.cases.errors import NotVisible, ValidationFailed
from otklik.cases.models import Assignment, Case, Draft, Publication
from otklik.directory.models import OfficialAccount, Organization, Topic

router = Router(tags=["Действия"])
RESPONSES: dict[int, Any] = {
    200: CaseDetail,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
}


def _done(request: ApiRequest, case: Case | int) -> HttpResponse:
    """The case after the action, as ``GET /cases/{id}`` shows it (the same rendering)."""
    return json_response(case_detail(request.auth, case if isinstance(case, int) else case.pk, checked=True))


def _version(payload: VersionIn | None) -> int | None:
    return payload.expected_version if payload is not None else None


@router.post("/cases/{int:case_id}/detect", response=RESPONSES, summary="Выявить (п. 9.1)")
def detect(request: ApiRequest, case_id: int, payload: VersionIn | None = None) -> HttpResponse:
    """Сообщение из ленты требует реакции: статус «Новое», запускается срок направления (п. 9.2)."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    return _done(request, actions.do_detect_case(case, acting_user=user, expected_version=_version(payload)))


@router.post("/cases/{int:case_id}/route", response=RESPONSES, summary="Направить исполнителям (п. 9.2, 17)")
def route(request: ApiRequest, case_id: int, payload: RouteIn) -> HttpResponse:
    """Одна организация — исполнитель; несколько — основной исполнитель (`lead`) и соисполнители."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    ids = list(dict.fromkeys(payload.organizations))
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in orgs]
    if missing:
        raise ValidationFailed(f"Организации не найдены: {', '.join(map(str, missing))}.")
    lead = None
    if payload.lead is not None:
        lead = orgs.get(payload.lead) or Organization.objects.filter(pk=payload.lead).first()
        if lead is None:
            raise ValidationFailed("Основной исполнитель не найден.")
    result = actions.do_route_case(
        case, [orgs[i] for i in ids], lead=lead, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/assignments/{int:assignment_id}/return", response=RESPONSES, summary="Вернуть не по компетенции (п. 10)")
def return_assignment(request: ApiRequest, assignment_id: int, payload: ReasonIn) -> HttpResponse:
    """Исполнитель возвращает обращение с указанием причины. Возврат соисполнителя снимает только его часть."""
    user = request.auth.require_user()
    a = part_for(request.auth, Assignment, assignment_id, for_action="view")
    result = actions.do_return_assignment(
        a, reason=payload.reason, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/assignments/{int:assignment_id}/info", response=RESPONSES, summary="Информация соисполнителя (п. 18)")
def submit_info(request: ApiRequest, assignment_id: int, payload: InfoIn) -> HttpResponse:
    """Соисполнитель направляет свою часть ответа на согласование специалисту."""
    user = request.auth.require_user()
    a = part_for(request.auth, Assignment, assignment_id, for_action="view")
    result = actions.do_submit_coexecutor_info(
        a,
        text=payload.text,
        attachments=[x.model_dump() for x in payload.attachments],
        acting_user=user,
        expected_version=payload.expected_version,
    )
    return _done(request, result)


@router.post(
    "/assignments/{int:assignment_id}/info/approve",
    response=RESPONSES,
    summary="Согласовать информацию соисполнителя (п. 18)",
)
def approve_info(request: ApiRequest, assignment_id: int, payload: VersionIn | None = None) -> HttpResponse:
    """Согласованные части передаются основному исполнителю, когда согласована последняя."""
    user = request.auth.require_user()
    a = part_for(request.auth, Assignment, assignment_id, for_action="view")
    result = actions.do_approve_coexecutor_info(a, acting_user=user, expected_version=_version(payload))
    return _done(request, result)


@router.post(
    "/assignments/{int:assignment_id}/info/return",
    response=RESPONSES,
    summary="Вернуть информацию соисполнителю (п. 18)",
)
def return_info(request: ApiRequest, assignment_id: int, payload: RemarksIn) -> HttpResponse:
    user = request.auth.require_user()
    a = part_for(request.auth, Assignment, assignment_id, for_action="view")
    result = actions.do_return_coexecutor_info(
        a, remarks=payload.remarks, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post(
    "/cases/{int:case_id}/proceed-without-coexecutors",
    response=RESPONSES,
    summary="Продолжить без соисполнителей (п. 18)",
)
def proceed_without_co(request: ApiRequest, case_id: int, payload: ReasonIn) -> HttpResponse:
    """Специалист решает не ждать оставшихся соисполнителей: запускается срок проекта основного исполнителя."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_proceed_without_coexecutors(
        case, reason=payload.reason, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/drafts", response=RESPONSES, summary="Проект ответа на согласование (п. 11, 14, 15)")
def submit_draft(request: ApiRequest, case_id: int, payload: DraftIn) -> HttpResponse:
    """Исполнитель направляет проект ответа (`final`) или промежуточного ответа (`intermediate`)."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_submit_draft(
        case,
        text=payload.text,
        kind=payload.kind,
        attachments=[x.model_dump() for x in payload.attachments],
        acting_user=user,
        expected_version=payload.expected_version,
    )
    return _done(request, result)


@router.post("/drafts/{int:draft_id}/approve", response=RESPONSES, summary="Согласовать проект (п. 12)")
def approve_draft(request: ApiRequest, draft_id: int, payload: VersionIn | None = None) -> HttpResponse:
    user = request.auth.require_user()
    draft = part_for(request.auth, Draft, draft_id, for_action="view")
    return _done(request, actions.do_approve_draft(draft, acting_user=user, expected_version=_version(payload)))


@router.post("/drafts/{int:draft_id}/return", response=RESPONSES, summary="Вернуть проект с замечаниями (п. 13)")
def return_draft(request: ApiRequest, draft_id: int, payload: RemarksIn) -> HttpResponse:
    user = request.auth.require_user()
    draft = part_for(request.auth, Draft, draft_id, for_action="view")
    result = actions.do_return_draft(
        draft, remarks=payload.remarks, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/publish", response=RESPONSES, summary="Разместить ответ (п. 12, 16)")
def publish(request: ApiRequest, case_id: int, payload: PublishIn | None = None) -> HttpResponse:
    """Размещает согласованный ответ с официального аккаунта (по умолчанию — по правилу выбора аккаунта).
    С `external_url` (ответ размещён вручную) публикация подтверждается сразу."""
    user = request.auth.require_user()
    payload = payload or PublishIn.model_validate({})
    case = case_for(request.auth, case_id)
    account = None
    if payload.account is not None:
        account = OfficialAccount.objects.filter(pk=payload.account).first()
        if account is None:
            raise ValidationFailed("Официальный аккаунт не найден.")
    result = actions.do_publish_answer(
        case,
        account=account,
        external_url=payload.external_url or None,
        acting_user=user,
        expected_version=payload.expected_version,
    )
    return _done(request, result)


@router.post("/publications/{int:publication_id}/confirm", response=RESPONSES, summary="Подтвердить публикацию")
def confirm_publication(request: ApiRequest, publication_id: int, payload: ConfirmIn) -> HttpResponse:
    """Ответ появился в соцсети: записываются его идентификатор и ссылка. Только для специалистов
    администрации; ссылка должна вести в ту соцсеть, где опубликовано сообщение; подтвердивший
    записывается в журнал."""
    user = request.auth.require_user()
    pub = part_for(request.auth, Publication, publication_id, for_action="confirm_publication")
    result = actions.do_confirm_publication(pub, external_id=payload.external_id, url=payload.url, acting_user=user)
    return _done(request, pub.case_id if not isinstance(result, Case) else result)


@router.post("/publications/{int:publication_id}/fail", response=RESPONSES, summary="Отметить сбой публикации")
def fail_publication(request: ApiRequest, publication_id: int, payload: FailIn) -> HttpResponse:
    """Публикация не удалась (её можно повторить): записывается причина. Пока ответ отправляется
    в соцсеть, отметить сбой нельзя (409)."""
    user = request.auth.require_user()
    pub = part_for(request.auth, Publication, publication_id, for_action="publish")
    result = actions.do_fail_publication(pub, error=payload.error, acting_user=user)
    return _done(request, pub.case_id if not isinstance(result, Case) else result)


@router.post("/cases/{int:case_id}/exclude", response=RESPONSES, summary="Исключить (п. 22)")
def exclude(request: ApiRequest, case_id: int, payload: ExcludeIn) -> HttpResponse:
    """Сообщение с нецензурной бранью (`obscenity`), оскорблениями (`insult`) или угрозами (`threat`) не рассматривается."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_exclude_case(
        case,
        reason_code=payload.reason_code,
        comment=payload.comment,
        acting_user=user,
        expected_version=payload.expected_version,
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/dismiss", response=RESPONSES, summary="Не требует реакции")
def dismiss(request: ApiRequest, case_id: int, payload: ReasonIn) -> HttpResponse:
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_dismiss_case(
        case, reason=payload.reason, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/repeat", response=RESPONSES, summary="Отметить повтор (п. 19)")
def mark_repeat(request: ApiRequest, case_id: int, payload: RepeatIn) -> HttpResponse:
    """Связывает обращение с более ранним (в обе стороны); повтор проходит ту же процедуру."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    try:
        earlier = case_for(request.auth, payload.earlier_case)
    except NotVisible:
        raise ValidationFailed("Более раннее обращение не найдено.") from None
    result = actions.do_mark_repeat(
        case, earlier_case=earlier, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/significant", response=RESPONSES, summary="Социально значимое (п. 24)")
def flag_significant(request: ApiRequest, case_id: int, payload: ReasonIn) -> HttpResponse:
    """Отмечает сообщение как социально значимое или требующее оперативного решения: Глава получает его немедленно."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_flag_significant(
        case, reason=payload.reason, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


class TopicIn(VersionIn):
    topic: int | None = NinjaField(..., description="Тема рубрикатора (id) или null, чтобы снять")


@router.post("/cases/{int:case_id}/topic", response=RESPONSES, summary="Тема обращения")
def set_topic(request: ApiRequest, case_id: int, payload: TopicIn) -> HttpResponse:
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    topic = None
    if payload.topic is not None:
        topic = Topic.objects.filter(pk=payload.topic, municipality_id=case.municipality_id).first()
        if topic is None:
            raise ValidationFailed("Тема не найдена в рубрикаторе этого муниципалитета.")
    result = actions.do_set_topic(case, topic, acting_user=user, expected_version=payload.expected_version)
    return _done(request, result)


class AssigneeIn(VersionIn):
    user: int | None = NinjaField(
        ..., description="Сотрудник организации (id пользователя), которому поручается часть; null — вся организация"
    )


@router.post(
    "/assignments/{int:assignment_id}/assignee", response=RESPONSES, summary="Назначить исполнителя лично (п. 7)"
)
def assign_person(request: ApiRequest, assignment_id: int, payload: AssigneeIn) -> HttpResponse:
    """Ответственный в организации поручает её часть обращения сотруднику (или снимает поручение)."""

    user = request.auth.require_user()
    a = part_for(request.auth, Assignment, assignment_id, for_action="view")
    person = None
    if payload.user is not None:
        person = get_user_model().objects.filter(pk=payload.user, is_active=True).first()
        if person is None:
            raise ValidationFailed("Сотрудник не найден или заблокирован.")
    result = actions.do_assign_person(a, person, acting_user=user, expected_version=payload.expected_version)
    return _done(request, result)


class CommentIn(VersionIn):
    comment: str = NinjaField(..., min_length=1, max_length=4000, description="Чем ответ неудовлетворителен")


@router.post("/cases/{int:case_id}/unsatisfactory", response=RESPONSES, summary="Ответ неудовлетворителен (ЦУР, п. 3)")
def mark_unsatisfactory(request: ApiRequest, case_id: int, payload: CommentIn) -> HttpResponse:
    """Наблюдатель (ЦУР) отмечает размещённый ответ как неудовлетворительный: обращение возвращается исполнителю
    на доработку со сроком п. 14."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    result = actions.do_mark_unsatisfactory(
        case, comment=payload.comment, acting_user=user, expected_version=payload.expected_version
    )
    return _done(request, result)


@router.post("/cases/{int:case_id}/share-answer", response=RESPONSES, summary="Общий ответ с ранним обращением (п. 19)")
def share_answer(request: ApiRequest, case_id: int, payload: VersionIn | None = None) -> HttpResponse:
    """Повтору даётся ответ, уже согласованный по раннему обращению (одно согласование); затем он размещается."""
    user = request.auth.require_user()
    case = case_for(request.auth, case_id)
    return _done(request, actions.do_share_answer(case, acting_user=user, expected_version=_version(payload)))
