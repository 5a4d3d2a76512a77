"""A local fake of the MAX Bot API (schema 0.0.30, the endpoints Otklik's bot uses).

Shapes follow the MAX team's OpenAPI schema (max-bot-api-schema 0.0.30, as shipped
in github.com/max-messenger/max-bot-api-client-go ``schema.yaml`` with its recorded
``stabs/``): the token in the ``Authorization`` header; ``GET /updates`` with a
``marker`` (passing it commits every earlier update); ``POST /messages?chat_id=``
with a ``NewMessageBody`` (``link: {type: "reply", mid}``) answering ``{"message"}``;
uploads in three steps (``POST /uploads?type=image`` -> upload URL -> ``{"photos":
{...: {"token"}}}``; a video's ``token`` comes with its upload URL); channel comments (``comment_created``, ``GET/POST
/messages/{post}/comments``); webhooks (``POST /subscriptions`` with a ``secret``
sent back in ``X-Max-Bot-Api-Secret``). Errors: HTTP status + ``{"code",
"message"}``. Timestamps are milliseconds.
"""

from __future__ import annotations

import itertools
import re
import secrets
from typing import Any

import httpx

from otklik.connectors.fakeserver import Clock, FakeRequest, FakeResponse, FakeServer, Fault

SCHEMA_VERSION = "0.0.30"
ERRORS = {
    400: ("proto.payload", "Invalid request payload"),
    401: ("verify.token", "Invalid access_token"),
    403: ("chat.denied", "Bot is blocked by user or is not a chat member"),
    404: ("not.found", "Resource not found"),
    429: ("too.many.requests", "Too many requests"),
    500: ("internal.error", "Internal server error"),
    503: ("service.unavailable", "Service unavailable"),
}
SECRET_RE = re.compile(r"^[A-Za-z0-9-]{5,256}$")
DIALOGS = 50_000_000_000  # dialog chat ids: DIALOGS + user id (the fake's convention)


class MaxFakeError(Exception):
    def __init__(self, status: int, code: str = "", message: str = "") -> None:
        self.status = status
        self.code = code or ERRORS.get(status, ("error", ""))[0]
        self.message = message or ERRORS.get(status, ("", "Error"))[1]


class FakeMax(FakeServer):
    name = "max"

    def __init__(self, *, seed: int | None = None, port: int = 0) -> None:
        super().__init__(seed=seed, port=port)
        self.clock = Clock()
        self.tokens: dict[str, bool] = {}  # token -> revoked
        self.bot = {"user_id": 9000001, "first_name": "Отклик", "username": "otklik_bot", "is_bot": True,
                    "last_activity_time": 0, "name": "Отклик"}  # fmt: skip
        self.channel: dict[str, Any] = {"chat_id": -70000000000001, "type": "channel", "status": "active", "title": "Администрация",
                        "link": "https://max.ru/adm_channel", "is_public": True}  # fmt: skip
        self.chats: dict[int, dict[str, Any]] = {self.channel["chat_id"]: self.channel}
        self.admin_in: set[int] = {self.channel["chat_id"]}  # chats where the bot is an administrator
        self.users: dict[int, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}  # mid -> Message
        self.comments: dict[str, list[dict[str, Any]]] = {}  # channel post mid -> its comments
        self.updates: list[tuple[int, dict[str, Any]]] = []  # (number, Update)
        self._numbers = itertools.count(1)
        self._seq = itertools.count(116327994376978687)
        self.blocked_by: set[int] = set()
        self.subscription: dict[str, Any] | None = None
        self.published: list[dict[str, Any]] = []  # messages and comments the bot sent
        self._uploads: dict[str, str] = {}
        self.upload_tokens: set[str] = set()
        self.video_tokens: dict[str, bool] = {}  # token from POST /uploads?type=video -> its file arrived
        self.not_ready_once = False  # the first send with a fresh upload answers attachment.not.ready

    @property
    def base_url(self) -> str:
        return self.root_url

    def add_token(self, token: str) -> str:
        self.tokens[token] = False
        return token

    def revoke(self, token: str) -> None:
        self.tokens[token] = True

    # -- the world -------------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str, last_name: str = "", *, username: str | None = None) -> None:
        user: dict[str, Any] = {"user_id": user_id, "first_name": first_name, "last_name": last_name,
                                "is_bot": False, "last_activity_time": self.clock.now() * 1000,
                                "name": f"{first_name} {last_name}".strip()}  # fmt: skip
        if username:
            user["username"] = username
        self.users[user_id] = user

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            self.add_user(user_id, "Пользователь", str(user_id))
        return self.users[user_id]

    def add_group_chat(self, title: str, *, bot_is_admin: bool = True) -> int:
        chat_id = -70000000000100 - len(self.chats)
        self.chats[chat_id] = {"chat_id": chat_id, "type": "chat", "status": "active", "title": title,
                               "is_public": False}  # fmt: skip
        if bot_is_admin:
            self.admin_in.add(chat_id)
        return chat_id

    def dialog_id(self, user_id: int) -> int:
        return DIALOGS + user_id

    def _new_message(self, sender: dict[str, Any], recipient: dict[str, Any], text: str, *,
                     reply_to: str = "", attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        mid = f"mid.{secrets.token_hex(16)}"
        message: dict[str, Any] = {
            "sender": sender, "recipient": recipient, "timestamp": self.clock.now() * 1000,
            "body": {"mid": mid, "seq": next(self._seq), "text": text, "attachments": attachments or []},
        }  # fmt: skip
        if reply_to:
            target = self.messages[reply_to]
            message["link"] = {"type": "reply", "sender": target.get("sender"),
                               "chat_id": target["recipient"].get("chat_id"), "message": target["body"]}  # fmt: skip
        self.messages[mid] = message
        return message

    def _update(self, update_type: str, **fields: Any) -> None:
        self.updates.append((next(self._numbers), {"update_type": update_type,
                                                   "timestamp": self.clock.now() * 1000, **fields}))  # fmt: skip

    def user_writes(
        self, user_id: int, text: str, *, attachments: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A person writes to the bot (a dialog)."""
        with self.lock:
            chat_id = self.dialog_id(user_id)
            self.chats.setdefault(chat_id, {"chat_id": chat_id, "type": "dialog", "status": "active"})
            message = self._new_message(self._user(user_id), {"chat_id": chat_id, "chat_type": "dialog",
                                        "user_id": self.bot["user_id"]}, text, attachments=attachments)  # fmt: skip
            self._update("message_created", message=message, user_locale="ru")
            return message

    def chat_message(self, chat_id: int, user_id: int, text: str, *, reply_to: str = "") -> dict[str, Any]:
        """A message in a group chat; the bot hears it only where it is an administrator."""
        with self.lock:
            message = self._new_message(self._user(user_id), {"chat_id": chat_id, "chat_type": "chat"}, text,
                                        reply_to=reply_to)  # fmt: skip
            if chat_id in self.admin_in:
                self._update("message_created", message=message)
            return message

    def post_to_channel(self, text: str) -> dict[str, Any]:
        with self.lock:
            message = self._new_message({**self.bot}, {"chat_id": self.channel["chat_id"], "chat_type": "channel"},
                                        text)  # fmt: skip
            message["url"] = f"{self.channel['link']}/{message['body']['seq']}"
            self.comments[message["body"]["mid"]] = []
            self._update("message_created", message=message)
            return message

    def comment(self, post: dict[str, Any], user_id: int, text: str, *, reply_to: str = "") -> dict[str, Any]:
        """A comment under a channel post (``comment_created``)."""
        with self.lock:
            post_mid = post["body"]["mid"]
            recipient = {"chat_type": "channel", "chat_id": self.channel["chat_id"], "post_id": post_mid}
            message = self._new_message(self._user(user_id), recipient, text, reply_to=reply_to)
            self.comments[post_mid].append(message)
            self._update("comment_created", message=message)
            return message

    def edit(self, message: dict[str, Any], text: str) -> None:
        with self.lock:
            message["body"]["text"] = text
            kind = "comment_edited" if message["recipient"].get("post_id") else "message_edited"
            self._update(kind, message=message)

    def remove(self, message: dict[str, Any]) -> None:
        with self.lock:
            recipient = message["recipient"]
            fields = {"message_id": message["body"]["mid"], "chat_id": recipient["chat_id"],
                      "user_id": message["sender"]["user_id"]}  # fmt: skip
            if recipient.get("post_id"):
                self._update("comment_removed", post_id=recipient["post_id"], **fields)
            else:
                self._update("message_removed", **fields)

    def block_bot(self, user_id: int) -> None:
        self.blocked_by.add(user_id)

    def send_webhook(self, url: str, update: dict[str, Any], *, secret: str | None = None) -> int:
        """POST an update to the subscribed URL the way MAX does (the secret in a header)."""
        headers = {}
        value = secret if secret is not None else (self.subscription or {}).get("secret")
        if value:
            headers["X-Max-Bot-Api-Secret"] = value
        return httpx.post(url, json=update, headers=headers, timeout=10).status_code

    # -- HTTP ----------------------------------------------------------------------------

    def operation(self, request: FakeRequest) -> str:
        if request.path.startswith("/upload/"):
            return "upload"
        path = re.sub(r"/mid\.[\w-]+", "/{mid}", request.path)
        return f"{request.method} {path}"

    def api_error(self, code: int | str | None, op: str) -> FakeResponse:
        status = int(code or 500)
        key, message = ERRORS.get(status, ("internal.error", "Internal server error"))
        return FakeResponse.json({"code": key, "message": message}, status=status)

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        if request.path.startswith("/upload/"):
            return self._upload(request)
        token = request.headers.get("authorization", "")
        if not token or self.tokens.get(token, True):
            return self.api_error(401, "")
        op = self.operation(request)
        routes = {
            "GET /me": self._me, "GET /updates": self._get_updates, "POST /messages": self._send,
            "GET /messages": self._get_messages, "POST /uploads": self._uploads_url,
            "GET /messages/{mid}/comments": self._get_comments, "POST /messages/{mid}/comments": self._send_comment,
            "POST /subscriptions": self._subscribe, "GET /subscriptions": self._subscriptions,
        }  # fmt: skip
        handler = routes.get(op)
        if handler is None:
            return FakeResponse.json({"code": "not.found", "message": f"Path {request.path} not found"}, status=404)
        with self.lock:
            try:
                return FakeResponse.json(handler(request, fault))
            except MaxFakeError as exc:
                return FakeResponse.json({"code": exc.code, "message": exc.message}, status=exc.status)

    def _me(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        return {**self.bot, "description": "Официальный бот администрации", "commands": []}

    def _get_updates(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        p = request.query
        limit = min(int(p.get("limit") or 100), 1000)
        types = set(filter(None, (p.get("types") or "").split(",")))
        if p.get("marker"):
            marker = int(p["marker"])
            self.updates = [(n, u) for n, u in self.updates if n >= marker]  # earlier ones are committed
        page = [(n, u) for n, u in self.updates if not types or u["update_type"] in types][:limit]
        if fault and fault.kind == "partial":
            page = page[: len(page) // 2]
        if not page:
            last = self.updates[-1][0] + 1 if self.updates else int(p.get("marker") or 1)
            return {"updates": [], "marker": last}
        return {"updates": [u for _, u in page], "marker": page[-1][0] + 1}

    def _chat_for(self, p: dict[str, str]) -> int:
        if p.get("chat_id"):
            chat_id = int(p["chat_id"])
        elif p.get("user_id"):
            chat_id = self.dialog_id(int(p["user_id"]))
        else:
            raise MaxFakeError(400, "proto.payload", "chat_id or user_id is required")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise MaxFakeError(404, "not.found", "Chat not found")
        if chat["type"] == "dialog" and chat_id - DIALOGS in self.blocked_by:
            raise MaxFakeError(403, "chat.denied", "Bot is blocked by user")
        if chat["type"] == "chat" and chat_id not in self.admin_in:
            raise MaxFakeError(403, "chat.denied", "Bot is not a member of the chat")
        return chat_id

    def _attachments(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        result = []
        for item in body.get("attachments") or []:
            token = str((item.get("payload") or {}).get("token") or "")
            if item.get("type") == "video" and self.video_tokens.get(token):
                result.append({"type": "video", "payload": {"token": token, "url": f"{self.root_url}/v/{token}"}})
                continue
            if item.get("type") != "image" or token not in self.upload_tokens:
                raise MaxFakeError(400, "proto.payload", "Invalid attachment")
            if self.not_ready_once:
                self.not_ready_once = False
                raise MaxFakeError(400, "attachment.not.ready", "")
            result.append({"type": "image", "payload": {"photo_id": abs(hash(token)) % 10**9, "token": token,
                                                        "url": f"{self.root_url}/i/{token}.jpg"}})  # fmt: skip
        return result

    def _send(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        chat_id = self._chat_for(request.query)
        body = request.json() or {}
        attachments = self._attachments(body)
        if not body.get("text") and not attachments:
            raise MaxFakeError(400, "proto.payload", "Message text or attachments required")
        reply_to = ""
        link = body.get("link") or {}
        if link:
            target = self.messages.get(str(link.get("mid") or ""))
            if link.get("type") != "reply" or target is None or target["recipient"].get("chat_id") != chat_id:
                raise MaxFakeError(404, "not.found", "Message to reply not found")
            reply_to = target["body"]["mid"]
        chat = self.chats[chat_id]
        recipient = {"chat_id": chat_id, "chat_type": chat["type"]}
        if chat["type"] == "dialog":
            recipient["user_id"] = chat_id - DIALOGS
        message = self._new_message({**self.bot}, recipient, str(body.get("text") or ""), reply_to=reply_to,
                                    attachments=attachments)  # fmt: skip
        self.published.append(message)
        return {"message": message}

    def _get_messages(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        p = request.query
        count = min(int(p.get("count") or 50), 100)
        if p.get("message_ids"):
            wanted = p["message_ids"].split(",")
            return {"messages": [self.messages[m] for m in wanted if m in self.messages]}
        chat_id = int(p.get("chat_id") or 0)
        if chat_id not in self.chats:
            raise MaxFakeError(404, "not.found", "Chat not found")
        found = [m for m in self.messages.values() if m["recipient"].get("chat_id") == chat_id
                 and not m["recipient"].get("post_id")]  # fmt: skip
        found.sort(key=lambda m: -m["body"]["seq"])  # the latest first
        return {"messages": found[:count]}

    def _post_mid(self, request: FakeRequest) -> str:
        mid = request.path.split("/")[2]
        if mid not in self.comments:
            raise MaxFakeError(404, "not.found", "Post not found")
        return mid

    def _get_comments(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        mid = self._post_mid(request)
        count = min(int(request.query.get("count") or 50), 100)
        return {"messages": list(reversed(self.comments[mid]))[:count]}

    def _send_comment(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        mid = self._post_mid(request)
        body = request.json() or {}
        if not body.get("text"):
            raise MaxFakeError(400, "proto.payload", "Comment text required")
        reply_to = str((body.get("link") or {}).get("mid") or "")
        if reply_to and reply_to not in {c["body"]["mid"] for c in self.comments[mid]}:
            raise MaxFakeError(404, "not.found", "Comment to reply not found")
        recipient = {"chat_type": "channel", "chat_id": self.channel["chat_id"], "post_id": mid}
        comment = self._new_message({**self.bot}, recipient, str(body["text"]), reply_to=reply_to)
        self.comments[mid].append(comment)
        self.published.append(comment)
        return {"message": comment}

    def _uploads_url(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        if request.query.get("type") not in ("image", "video", "audio", "file"):
            raise MaxFakeError(400, "proto.payload", "Unknown upload type")
        upload_id = secrets.token_hex(6)
        self._uploads[upload_id] = str(request.query["type"])
        if request.query["type"] in ("video", "audio"):
            # UploadEndpoint.token: "Video or audio token for send message", given before the upload
            token = secrets.token_urlsafe(24)
            self._uploads[upload_id] += ":" + token
            self.video_tokens[token] = False
            return {"url": f"{self.root_url}/upload/{upload_id}", "token": token}
        return {"url": f"{self.root_url}/upload/{upload_id}"}

    def _upload(self, request: FakeRequest) -> FakeResponse:
        upload_id = request.path.rsplit("/", 1)[-1]
        kind, _, video_token = self._uploads.get(upload_id, "").partition(":")
        if kind == "video" and "data" in request.files:
            with self.lock:
                self.video_tokens[video_token] = True
            return FakeResponse.json({"file_id": abs(hash(video_token)) % 10**9, "token": video_token})
        if kind != "image" or "data" not in request.files:
            return FakeResponse.json({"code": "upload.error", "message": "No file"}, status=400)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.upload_tokens.add(token)
        return FakeResponse.json({"photos": {secrets.token_hex(4): {"token": token}}})

    def _subscribe(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        body = request.json() or {}
        url = str(body.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise MaxFakeError(400, "proto.payload", "url must start with http(s)://")
        secret = body.get("secret")
        if secret is not None and not SECRET_RE.match(str(secret)):
            raise MaxFakeError(400, "proto.payload", "secret: only A-Z, a-z, 0-9 and hyphen, 5..256 characters")
        self.subscription = {"url": url, "time": self.clock.now() * 1000, "update_types": body.get("update_types"),
                             "version": body.get("version") or SCHEMA_VERSION, "secret": secret}  # fmt: skip
        return {"success": True}

    def _subscriptions(self, request: FakeRequest, fault: Fault | None) -> dict[str, Any]:
        if self.subscription is None:
            return {"subscriptions": []}
        return {"subscriptions": [{k: v for k, v in self.subscription.items() if k != "secret"}]}
