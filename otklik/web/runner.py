"""Form data → the one action of ``otklik/cases/actions.py`` for each button of the pages.

Every call passes ``expected_version`` (the case version the page showed), so a person
acting on a stale page gets CaseChanged instead of overwriting somebody else's step.
"""

from __future__ import annotations

from typing import Any

from otklik.cases import actions
from otklik.cases.errors import ValidationFailed
from otklik.cases.models import Case
from otklik.web.uploads import attachments_with_files

ACTION_DONE: dict[str, str] = {
    "detect": "Отмечено как требующее реакции",
    "route": "Направлено исполнителю",
    "assign_person": "Исполнитель назначен",
    "return_assignment": "Возвращено ответственному специалисту",
    "submit_info": "Информация направлена на согласование",
    "approve_info": "Информация соисполнителя согласована",
    "return_info": "Информация соисполнителя возвращена на доработку",
    "proceed_without_co": "Работа продолжена без соисполнителей",
    "submit_draft": "Проект ответа отправлен на согласование",
    "approve_draft": "Проект ответа согласован",
    "return_draft": "Проект ответа возвращён с замечаниями",
    "publish": "Ответ отправлен на размещение",
    "exclude": "Обращение исключено (п. 22)",
    "dismiss": "Отмечено как не требующее реакции",
    "mark_repeat": "Отмечено как повторное",
    "share_answer": "Дан согласованный ответ раннего обращения — разместите его",
    "flag_significant": "Отмечено как социально значимое, Главе направлено сообщение",
    "set_topic": "Тема сохранена",
    "mark_unsatisfactory": "Ответ отмечен как неудовлетворительный, обращение возвращено на доработку",
}


def run_action(name: str, user: Any, case: Case, data: dict[str, Any]) -> Any:
    v = {"expected_version": data.get("version") or None, "acting_user": user}
    if name == "detect":
        return actions.do_detect_case(case, **v)
    if name == "route":
        orgs = list(data["organizations"])
        return actions.do_route_case(case, orgs, lead=data.get("lead"), **v)
    if name == "assign_person":
        return actions.do_assign_person(data["assignment"], data.get("person"), **v)
    if name == "return_assignment":
        return actions.do_return_assignment(data["assignment"], reason=data["reason"], **v)
    if name == "submit_info":
        with attachments_with_files(case, user, data) as files:
            return actions.do_submit_coexecutor_info(data["assignment"], text=data["text"], attachments=files, **v)
    if name == "approve_info":
        return actions.do_approve_coexecutor_info(data["assignment"], **v)
    if name == "return_info":
        return actions.do_return_coexecutor_info(data["assignment"], remarks=data["remarks"], **v)
    if name == "proceed_without_co":
        return actions.do_proceed_without_coexecutors(case, reason=data["reason"], **v)
    if name == "submit_draft":
        with attachments_with_files(case, user, data) as files:
            return actions.do_submit_draft(case, text=data["text"], kind=data["kind"], attachments=files, **v)
    if name == "approve_draft":
        return actions.do_approve_draft(data["draft"], **v)
    if name == "return_draft":
        return actions.do_return_draft(data["draft"], remarks=data["remarks"], **v)
    if name == "publish":
        return actions.do_publish_answer(
            case, account=data.get("account"), external_url=data.get("external_url") or None, **v
        )
    if name == "exclude":
        return actions.do_exclude_case(case, reason_code=data["reason_code"], comment=data.get("comment", ""), **v)
    if name == "dismiss":
        return actions.do_dismiss_case(case, reason=data["reason"], **v)
    if name == "mark_repeat":
        earlier = Case.objects.filter(pk=data["earlier_case"], municipality_id=case.municipality_id).first()
        if earlier is None:
            raise ValidationFailed("Более раннее обращение с таким номером не найдено.")
        return actions.do_mark_repeat(case, earlier_case=earlier, **v)
    if name == "share_answer":
        return actions.do_share_answer(case, **v)
    if name == "flag_significant":
        return actions.do_flag_significant(case, reason=data["reason"], **v)
    if name == "mark_unsatisfactory":
        return actions.do_mark_unsatisfactory(case, comment=data["reason"], **v)
    if name == "set_topic":
        return actions.do_set_topic(case, topic=data["topic"], **v)
    raise ValueError(f"unknown action {name}")
