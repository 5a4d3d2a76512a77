"""A local fake of the Telegram Bot API (the methods Otklik's bot uses).

``POST /bot<token>/<method>`` with form or multipart fields, answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"[,
"parameters": {"retry_after"}]}`` with the matching HTTP status, as
core.telegram.org/bots/api describes. The official channel has a linked discussion
group: each channel post is automatically forwarded into the group
(``is_automatic_forward``), and comments are group messages replying to that
forward (``message_thread_id``). Examples are in ``fixtures/``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from otklik.connectors.fakeserver import Clock, FakeRequest, FakeResponse, FakeServer, Fault

ERRORS = {
    400: "Bad Request: message to be replied not found",
    401: "Unauthorized",
    403: "Forbidden: bot is not a member of the supergroup chat",
    409: "Conflict: can't use getUpdates method while webhook is active",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
}


class FakeTelegram(FakeServer):
    name = "telegram"

    def __init__(self, *, seed: int | None = None, port: int = 0) -> None:
        super().__init__(seed=seed, port=port)
        self.clock = Clock()
        self.tokens: dict[str, bool] = {}  # token -> revoked
        self.bot = {"id": 7000001, "is_bot": True, "first_name": "Отклик", "username": "otklik_bot"}
        self.channel = {"id": -1001000000001, "type": "channel", "title": "Администрация", "username": "adm_channel"}
        self.group = {"id": -1001000000002, "type": "supergroup", "title": "Администрация — обсуждение"}
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.published: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = {self.channel["id"]: itertools.count(1), self.group["id"]: itertools.count(1)}
        self.files: dict[str, bytes] = {}
        self.private_chats: dict[int, dict[str, Any]] = {}  # people who wrote to the bot
        self.blocked_by: set[int] = set()  # people who blocked the bot (sending answers 403)

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/bot"

    def add_token(self, token: str) -> str:
        self.tokens[token] = False
        return token

    # -- the world -----------------------------------------------------------------

    def _message(self, chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids[chat["id"]]), "date": self.clock.now(), "chat": chat, **fields}
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _update(self, kind: str, message: dict[str, Any]) -> None:
        self.updates.append({"update_id": next(self._update_ids), kind: message})

    def post_to_channel(self, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A channel post and its automatic forward into the discussion group."""
        with self.lock:
            post = self._message(self.channel, sender_chat=self.channel, text=text)
            self._update("channel_post", post)
            forward = self._message(
                self.group,
                **{"from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}},
                sender_chat=self.channel,
                is_automatic_forward=True,
                forward_origin={
                    "type": "channel",
                    "chat": self.channel,
                    "message_id": post["message_id"],
                    "date": post["date"],
                },
                text=text,
            )
            self._update("message", forward)
            return post, forward

    def comment(
        self,
        thread: dict[str, Any],
        text: str,
        *,
        user_id: int = 501,
        name: str = "Иван",
        photo: bool = False,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            fields: dict[str, Any] = {
                "from": {"id": user_id, "is_bot": False, "first_name": name, "username": f"user{user_id}"},
                "message_thread_id": thread["message_id"],
                "reply_to_message": reply_to or thread,
            }
            if photo:
                fields["photo"] = [
                    {
                        "file_id": f"photo-{user_id}-{len(self.messages)}",
                        "file_unique_id": "u1",
                        "width": 800,
                        "height": 600,
                    }
                ]
                fields["caption"] = text
            else:
                fields["text"] = text
            message = self._message(self.group, **fields)
            self._update("message", message)
            return message

    def write_to_bot(
        self, user_id: int, text: str, *, name: str = "Иван", username: str | None = None
    ) -> dict[str, Any]:
        """A person writes to the bot in a private chat (chat id = the person's id)."""
        with self.lock:
            user = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "ru"}
            if username is not None:
                user["username"] = username
            chat = {
                "id": user_id,
                "type": "private",
                "first_name": name,
                **({"username": username} if username else {}),
            }
            self.private_chats[user_id] = chat
            self._message_ids.setdefault(user_id, itertools.count(1))
            message = self._message(chat, **{"from": user}, text=text)
            self._update("message", message)
            return message

    def block_bot(self, user_id: int) -> None:
        self.blocked_by.add(user_id)

    def edit(self, message: dict[str, Any], text: str) -> None:
        with self.lock:
            message = {**message, "text": text, "edit_date": self.clock.now()}
            self.messages[(message["chat"]["id"], message["message_id"])] = message
            self._update("edited_message", message)

    # -- HTTP ------------------------------------------------------------------------

    def operation(self, request: FakeRequest) -> str:
        return request.path.rsplit("/", 1)[-1]

    def api_error(self, code: int | str | None, op: str) -> FakeResponse:
        code = int(code or 500)
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": ERRORS.get(code, "Error")}
        if code == 429:
            body["parameters"] = {"retry_after": 1}
        return FakeResponse.json(body, status=code)

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        parts = request.path.split("/")
        if len(parts) < 3 or not parts[1].startswith("bot"):
            return self.api_error(404, "")
        token, method = parts[1][3:], parts[2]
        if self.tokens.get(token, True):
            return FakeResponse.json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return FakeResponse.json({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        with self.lock:
            try:
                return FakeResponse.json({"ok": True, "result": handler(request.params, request.files, fault)})
            except TelegramFakeError as exc:
                return FakeResponse.json(
                    {"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code
                )

    def _m_getMe(self, p: dict[str, str], files: dict[str, Any], fault: Fault | None) -> dict[str, Any]:
        return {
            **self.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    def _m_getUpdates(self, p: dict[str, str], files: dict[str, Any], fault: Fault | None) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        limit = min(int(p.get("limit") or 100), 100)
        if offset:
            # Calling with an offset confirms every earlier update: they are gone for good.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        page = self.updates[:limit]
        if fault and fault.kind == "partial":
            page = page[: len(page) // 2]
        return page

    def _reply_target(self, p: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        chat_id = int(p.get("chat_id") or 0)
        chats: dict[int, Any] = {int(self.channel["id"]): self.channel, int(self.group["id"]): self.group}  # type: ignore[call-overload]
        chat = {**chats, **self.private_chats}.get(chat_id)
        if chat is None:
            raise TelegramFakeError(400, "Bad Request: chat not found")
        if chat_id in self.blocked_by:
            raise TelegramFakeError(403, "Forbidden: bot was blocked by the user")
        fields: dict[str, Any] = {"from": self.bot}
        reply_id = 0
        if p.get("reply_parameters"):
            reply_id = int(json.loads(p["reply_parameters"]).get("message_id") or 0)
        elif p.get("reply_to_message_id"):
            reply_id = int(p["reply_to_message_id"])
        if reply_id:
            target = self.messages.get((chat_id, reply_id))
            if target is None:
                raise TelegramFakeError(400, "Bad Request: message to be replied not found")
            fields["reply_to_message"] = target
            fields["message_thread_id"] = target.get("message_thread_id", target["message_id"])
        return chat, fields

    def _m_sendMessage(self, p: dict[str, str], files: dict[str, Any], fault: Fault | None) -> dict[str, Any]:
        chat, fields = self._reply_target(p)
        if not p.get("text"):
            raise TelegramFakeError(400, "Bad Request: message text is empty")
        message = self._message(chat, text=p["text"], **fields)
        self.published.append(message)
        return message

    def _m_sendPhoto(self, p: dict[str, str], files: dict[str, Any], fault: Fault | None) -> dict[str, Any]:
        chat, fields = self._reply_target(p)
        upload = files.get("photo")
        if upload is None:
            raise TelegramFakeError(400, "Bad Request: there is no photo in the request")
        file_id = f"AgAC-{len(self.files) + 1}"
        self.files[file_id] = upload[1]
        photo = [
            {"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 960, "file_size": len(upload[1])}
        ]
        message = self._message(chat, photo=photo, caption=p.get("caption", ""), **fields)
        self.published.append(message)
        return message


class TelegramFakeError(Exception):
    def __init__(self, code: int, description: str) -> None:
        self.code = code
        self.description = description
