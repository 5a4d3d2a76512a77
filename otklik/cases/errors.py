"""Errors actions raise. Each carries a Russian message a person can act on."""

from __future__ import annotations


class ActionError(Exception):
    code = "action_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionForbidden(ActionError):
    """The user has no right to do this (HTTP 403)."""

    code = "forbidden"


class NotVisible(ActionError):
    """The user may not even see the object (HTTP 404)."""

    code = "not_found"


class InvalidTransition(ActionError):
    """The regulation does not allow this step from the case's current state (HTTP 409)."""

    code = "invalid_transition"


class ValidationFailed(ActionError):
    """The input is wrong: empty reason, foreign organization... (HTTP 400)."""

    code = "validation_failed"


class CaseChanged(ActionError):
    """Somebody else changed the case first (HTTP 409)."""

    code = "case_changed"


class RegisteredElsewhere(ActionError):
    """The message is already stored as a post of another municipality's case (HTTP 409).

    A post is unique on (network, source_key) across all tenants (DESIGN.md «Post»), so the
    same message cannot open a second case in another municipality; intake refuses instead of
    handing over the other tenant's case. ``keys`` are the (network, source_key) pairs concerned.
    """

    code = "registered_elsewhere"

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        network, key = keys[0]
        more = f" (и ещё {len(keys) - 1})" if len(keys) > 1 else ""
        super().__init__(f"Сообщение {network}:{key}{more} уже зарегистрировано в другом муниципалитете.")
        self.keys = keys
