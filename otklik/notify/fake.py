"""A local fake of the Telegram Bot API for the notification bot (tests and the demo).

Real HTTP on 127.0.0.1, shapes as in https://core.telegram.org/bots/api: ``sendMessage``
and ``getUpdates``. ``block(chat_id)`` makes the bot "blocked by the user" (403) for a chat;
transport faults come from the common fake server (``fake.faults.schedule("http_500")``).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from otklik.connectors.fakeserver import FakeRequest, FakeResponse, FakeServer, Fault


class FakeNotifyBot(FakeServer):
    name = "telegram-notify"

    def __init__(self, token: str = "123456:notify-test-token", **kw: Any) -> None:  # noqa: S107 - a fake
        super().__init__(**kw)
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.blocked: set[str] = set()
        self.updates: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The value for ``TELEGRAM_API_BASE_URL``."""
        return f"{self.root_url}/bot"

    def block(self, chat_id: str) -> None:
        self.blocked.add(str(chat_id))

    def user_writes(self, chat_id: int, text: str) -> None:
        """A person sends ``text`` to the bot (e.g. ``/start 123456``)."""
        with self.lock:
            self.updates.append(
                {
                    "update_id": next(self._ids),
                    "message": {
                        "message_id": next(self._ids),
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Тест"},
                        "text": text,
                    },
                }
            )

    def api_error(self, code: int | str | None, op: str) -> FakeResponse:
        code = int(code or 500)
        return FakeResponse.json({"ok": False, "error_code": code, "description": "Error"}, status=code)

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return FakeResponse.json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.path[len(prefix) :]
        params = request.json() if request.body.startswith(b"{") else request.params
        if method == "sendMessage":
            chat_id = str(params.get("chat_id", ""))
            if chat_id in self.blocked:
                return FakeResponse.json(
                    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
                    status=403,
                )
            message = {"message_id": next(self._ids), "chat": {"id": chat_id}, "text": params.get("text", "")}
            with self.lock:
                self.sent.append(message)
            return FakeResponse.json({"ok": True, "result": message})
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                result = [u for u in self.updates if u["update_id"] >= offset]
            return FakeResponse.json({"ok": True, "result": result})
        if method == "getMe":
            return FakeResponse.json({"ok": True, "result": {"id": 1, "is_bot": True, "username": "otklik_bot"}})
        return FakeResponse.json({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
