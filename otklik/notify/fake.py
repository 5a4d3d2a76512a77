"""A local fake of the Telegram Bot API for the notification bot (tests and the demo).

Real HTTP on 127.0.0.1, shapes as in https://core.telegram.org/bots/api: ``sendMessage``,
``sendDocument`` (a file uploaded as multipart/form-data, at most 50 MB, caption at most
1024 characters; kept in ``documents``) and ``getUpdates``. ``block(chat_id)`` makes the bot
"blocked by the user" (403) for a chat; transport faults come from the common fake server
(``fake.faults.schedule("http_500", op="sendDocument")``).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from otklik.connectors.fakeserver import FakeRequest, FakeResponse, FakeServer, Fault

MAX_UPLOAD = 50 * 1000 * 1000
MAX_CAPTION = 1024


class FakeNotifyBot(FakeServer):
    name = "telegram-notify"

    def __init__(self, token: str = "123456:notify-test-token", **kw: Any) -> None:  # noqa: S107 - a fake
        super().__init__(**kw)
        self.token = token
        self.sent: list[dict[str, Any]] = []
        # sendDocument: chat_id, caption, file_name, mime_type, content (the uploaded bytes).
        self.documents: list[dict[str, Any]] = []
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
        if method in ("sendMessage", "sendDocument") and str(params.get("chat_id", "")) in self.blocked:
            return FakeResponse.json(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
            )
        if method == "sendDocument":
            return self._send_document(request, params)
        if method == "sendMessage":
            chat_id = str(params.get("chat_id", ""))
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

    def _send_document(self, request: FakeRequest, params: dict[str, Any]) -> FakeResponse:
        chat_id = str(params.get("chat_id", ""))
        if not chat_id:
            return _bad_request("Bad Request: chat_id is empty")
        upload = request.files.get("document")
        if upload is None:  # a file_id or URL string is valid too, but this bot only uploads
            return _bad_request("Bad Request: there is no document in the request")
        filename, content, mime_type = upload
        if len(content) > MAX_UPLOAD:
            return FakeResponse.json(
                {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}, status=413
            )
        if not content:
            return _bad_request("Bad Request: file must be non-empty")
        caption = str(params.get("caption", ""))
        if len(caption) > MAX_CAPTION:
            return _bad_request("Bad Request: message caption is too long")
        message_id = next(self._ids)
        document = {
            "file_id": f"BQAC-{message_id}",
            "file_unique_id": f"AgAD-{message_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        with self.lock:
            self.documents.append(
                {"chat_id": chat_id, "caption": caption, "file_name": filename, "mime_type": mime_type,
                 "content": content}
            )  # fmt: skip
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "document": document,
            **({"caption": caption} if caption else {}),
        }
        return FakeResponse.json({"ok": True, "result": message})


def _bad_request(description: str) -> FakeResponse:
    return FakeResponse.json({"ok": False, "error_code": 400, "description": description}, status=400)
