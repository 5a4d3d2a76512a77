"""Telegram: a bot that is an administrator of the official channel and of its linked
discussion group. Citizens comment in the group (threads under the channel's
posts); the bot reads them with ``getUpdates`` and replies in the thread. People
may also write to the bot itself (a private chat): such a message is a case too, and
the answer is the bot's reply in that chat.

Public channels and chats the bot is not a member of cannot be read through the Bot
API at all; their messages are entered by hand (by link).

Credentials: ``bot_token``, ``discussion_chat_id`` (the linked group),
``channel_username`` (optional, for links). ``external_id`` is the channel's id.
Keys: ``<chat_id>/<message_id>``. The Bot API does not report deleted messages
and offers no way to read the chat history, so ``find_published`` cannot verify
an earlier attempt (see :class:`NotVerifiable`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, ReplyParameters
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from otklik.connectors.base import (
    Attachment,
    Batch,
    Change,
    Connector,
    ConnectorError,
    IncomingMessage,
    NotVerifiable,
    Published,
    Reply,
    register,
)

T = TypeVar("T")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
UNKNOWN = "?"  # a journal entry: the part's call started, its result was never recorded
MAX_THREADS = 2000  # thread -> channel post links kept in the cursor


# The Bot API's own descriptions (English) of refusals people meet, in plain Russian.
REFUSALS = (
    (("message to be replied not found", "message to reply not found", "replied message not found"),
     "сообщение, на которое отвечаем, удалено"),
    (("chat not found",), "чат не найден"),
    (("not enough rights", "have no rights", "need administrator rights"), "у бота нет прав писать в чат"),
    (("bot was kicked", "bot is not a member", "bot was blocked"), "бот исключён из чата"),
    (("message is too long",), "текст ответа слишком длинный"),
    (("message text is empty",), "пустой текст ответа"),
    (("wrong file", "photo_invalid", "image_process_failed", "failed to get http url content", "no photo"),
     "Telegram не принял файл"),
)  # fmt: skip


def plain_refusal(description: str) -> str | None:
    text = description.lower()
    return next((russian for needles, russian in REFUSALS if any(n in text for n in needles)), None)


def to_connector_error(exc: Exception) -> ConnectorError:
    if isinstance(exc, tg_error.RetryAfter):
        retry = exc.retry_after
        seconds = retry.total_seconds() if isinstance(retry, dt.timedelta) else float(retry)
        return ConnectorError("Telegram: слишком много запросов", code=429, retry_after=seconds)
    if isinstance(exc, tg_error.InvalidToken):
        return ConnectorError("Telegram: ключ бота недействителен или отозван", permanent=True, code=401)
    if isinstance(exc, tg_error.Forbidden) and "blocked by the user" in exc.message:
        return ConnectorError(
            "Telegram: пользователь заблокировал бота — ответ не доставлен; свяжитесь с ним другим способом",
            permanent=True, code=403,
        )  # fmt: skip
    if isinstance(exc, tg_error.Forbidden):
        reason = plain_refusal(exc.message) or "бот не может писать в чат"
        return ConnectorError(f"Telegram: {reason} (код 403)", permanent=True, code=403)
    if isinstance(exc, tg_error.Conflict):
        return ConnectorError("Telegram: у бота включён webhook — getUpdates недоступен", permanent=True, code=409)
    if isinstance(exc, tg_error.ChatMigrated):
        return ConnectorError(f"Telegram: группа стала супергруппой {exc.new_chat_id}", permanent=True, code="migrated")
    if isinstance(exc, tg_error.BadRequest):
        reason = plain_refusal(exc.message) or f"запрос отклонён ({exc.message})"
        return ConnectorError(f"Telegram: {reason} (код 400)", permanent=True, code=400)
    if isinstance(exc, tg_error.TimedOut):
        return ConnectorError("Telegram не ответил вовремя", code="timeout")
    return ConnectorError(f"Telegram: {exc}", code="network")


@register
class TelegramConnector(Connector):
    network = "telegram"
    rate_per_second = 5.0
    send_rate_per_second = 20 / 60  # Telegram: about 20 messages a minute into one group
    delivery_seconds = 600.0  # an album is sent file by file, at most 20 a minute

    def __init__(self, *args: Any, timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creds = self.account.credentials
        self.token = str(creds.get("bot_token") or "")
        self.group_id = int(creds.get("discussion_chat_id") or 0)
        self.channel_id = int(self.account.external_id or 0)
        self.channel_username = str(creds.get("channel_username") or "").lstrip("@")
        self.timeout = timeout
        self._runner: asyncio.Runner | None = None
        self._bot: Bot | None = None
        # PTB is async; the connector's loop runs on its own thread, so collection also
        # works when the caller's thread already runs an event loop (ASGI, Playwright).
        self._loop_thread: ThreadPoolExecutor | None = None

    # -- plumbing: PTB is async; a connector owns one event loop while it works --------

    def _run(self, factory: Callable[[Bot], Awaitable[T]]) -> T:
        if not self.token:
            raise ConnectorError("Telegram: не задан ключ бота", permanent=True, code="no_token")
        if self._runner is None:
            self._runner = asyncio.Runner()
        runner = self._runner

        async def go() -> T:
            if self._bot is None:
                request = HTTPXRequest(
                    connect_timeout=self.timeout, read_timeout=self.timeout, write_timeout=self.timeout
                )
                self._bot = Bot(
                    self.token,
                    base_url=self.base_url or DEFAULT_BASE_URL,
                    request=request,
                    get_updates_request=HTTPXRequest(read_timeout=self.timeout, connect_timeout=self.timeout),
                )
            try:
                return await factory(self._bot)
            except tg_error.TelegramError as exc:
                raise to_connector_error(exc) from exc

        return self._on_loop_thread(runner.run, go())

    def _on_loop_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self._loop_thread is None:
            self._loop_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="telegram-connector")
        return self._loop_thread.submit(fn, *args).result()

    def close(self) -> None:
        if self._runner is not None:
            runner = self._runner
            if self._bot is not None:
                self._on_loop_thread(runner.run, self._bot.shutdown())
            self._on_loop_thread(runner.close)
            self._runner, self._bot = None, None
        if self._loop_thread is not None:
            self._loop_thread.shutdown(wait=True)
            self._loop_thread = None

    # -- collection ----------------------------------------------------------------------

    def collect(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        try:
            offset = int(cursor.get("offset") or 0)
            threads: dict[str, str] = dict(cursor.get("threads") or {})
            while True:
                updates = self.call(partial(self._get_updates, offset))
                if not updates:
                    yield Batch([], {**cursor, "offset": offset, "threads": threads})
                    return
                messages: list[IncomingMessage] = []
                changes: list[Change] = []
                for update in updates:
                    self._take(update.to_dict(), threads, messages, changes)
                    offset = max(offset, update.update_id + 1)
                if len(threads) > MAX_THREADS:
                    threads = dict(list(threads.items())[-MAX_THREADS:])
                yield Batch(messages, {**cursor, "offset": offset, "threads": dict(threads)}, changes)
        finally:
            self.close()

    def _get_updates(self, offset: int) -> Any:
        allowed = ["message", "edited_message", "channel_post", "edited_channel_post"]
        return self._run(
            lambda bot: bot.get_updates(offset=offset or None, limit=100, timeout=0, allowed_updates=allowed)
        )

    def _take(
        self, update: dict[str, Any], threads: dict[str, str], messages: list[IncomingMessage], changes: list[Change]
    ) -> None:
        message = update.get("message")
        edited = update.get("edited_message")
        if edited and int(edited["chat"]["id"]) == self.group_id:
            changes.append(Change("telegram", f"{self.group_id}/{edited['message_id']}", "edited", _text(edited)))
            return
        if edited and edited["chat"].get("type") == "private":
            changes.append(
                Change("telegram", f"{edited['chat']['id']}/{edited['message_id']}", "edited", _text(edited))
            )
            return
        if message and message["chat"].get("type") == "private":
            if not (message.get("from") or {}).get("is_bot"):
                messages.append(self._private_message(message))
            return
        if not message or int(message["chat"]["id"]) != self.group_id:
            return  # channel posts are the administration's own; other chats are not ours
        if message.get("is_automatic_forward"):
            origin = message.get("forward_origin") or {}
            post_id = origin.get("message_id") or message.get("forward_from_message_id")
            if post_id:
                threads[str(message["message_id"])] = f"{self.channel_id}/{post_id}"
            return
        sender = message.get("from") or {}
        if sender.get("is_bot") or (message.get("sender_chat") or {}).get("id") == self.channel_id:
            return  # our own answers
        messages.append(self._message(message, threads))

    def _message(self, m: dict[str, Any], threads: dict[str, str]) -> IncomingMessage:
        sender = m.get("from") or m.get("sender_chat") or {}
        name = " ".join(x for x in (sender.get("first_name"), sender.get("last_name")) if x) or str(
            sender.get("title") or ""
        )
        username = sender.get("username")
        thread = str(m.get("message_thread_id") or "")
        parent = threads.get(thread, f"{self.group_id}/{thread}" if thread else "")
        attachments = []
        if m.get("photo"):
            biggest = m["photo"][-1]
            attachments.append(Attachment("photo", f"tg-file:{biggest['file_id']}", ""))
        for kind in ("video", "document", "voice", "audio", "sticker", "animation"):
            if m.get(kind):
                attachments.append(
                    Attachment(
                        {"document": "doc", "voice": "audio", "audio": "audio"}.get(
                            kind, "video" if kind == "video" else "other"
                        ),
                        f"tg-file:{m[kind].get('file_id', '')}",
                        str(m[kind].get("file_name") or kind),
                    )
                )
        return IncomingMessage(
            network="telegram", source_key=f"{self.group_id}/{m['message_id']}", text=_text(m),
            published_at=dt.datetime.fromtimestamp(int(m["date"]), tz=dt.UTC), url=self._url(m, parent),
            author_id=str(sender.get("id") or ""), author_name=name,
            author_url=f"https://t.me/{username}" if username else "", attachments=attachments, parent_key=parent,
            raw=m,
        )  # fmt: skip

    def _private_message(self, m: dict[str, Any]) -> IncomingMessage:
        """A message written to the bot: no public link exists; the author's profile is linked when public."""
        incoming = self._message(m, {})
        chat_id = int(m["chat"]["id"])
        return dataclasses.replace(incoming, source_key=f"{chat_id}/{m['message_id']}", url="", parent_key="")

    def _url(self, m: dict[str, Any], parent: str) -> str:
        if self.channel_username and parent.startswith(f"{self.channel_id}/"):
            return f"https://t.me/{self.channel_username}/{parent.split('/')[1]}?comment={m['message_id']}"
        return f"https://t.me/c/{str(abs(self.group_id))[3:] or abs(self.group_id)}/{m['message_id']}"

    def _send(
        self,
        kind: str,
        chat_id: int,
        where: ReplyParameters,
        *,
        text: str = "",
        file: Any = None,
        caption: str | None = None,
    ) -> Any:
        async def send(bot: Bot) -> Any:
            if kind == "message":
                return await bot.send_message(chat_id, text, reply_parameters=where)
            if kind == "photo":
                return await bot.send_photo(
                    chat_id, file.content, caption=caption, reply_parameters=where, filename=file.name
                )
            return await bot.send_video(
                chat_id, file.content, caption=caption, reply_parameters=where, filename=file.name
            )

        return self.call(partial(self._run, send), rate_key=f"{self.account.key}:send", rate=self.send_rate_per_second)

    # -- publication -------------------------------------------------------------------------

    def _target(self, reply: Reply) -> tuple[int, int]:
        try:
            chat_text, _, message_text = reply.target_key.partition("/")
            chat_id, message_id = int(chat_text), int(message_text)
        except ValueError:
            raise ConnectorError(
                f"Telegram: непонятный ключ сообщения «{reply.target_key}»", permanent=True, code="bad_key"
            ) from None
        if chat_id != self.group_id and chat_id <= 0:
            raise ConnectorError(
                "Telegram: отвечать можно только в группе обсуждения и в личных сообщениях боту",
                permanent=True,
                code="wrong_chat",
            )
        return chat_id, message_id

    @staticmethod
    def _plan(reply: Reply) -> list[tuple[str, Any, str | None]]:
        """The calls an answer takes, in order: (kind, file, caption); the text alone is a "message"."""
        photos = [f for f in reply.files if f.kind == "photo"]
        videos = [f for f in reply.files if f.kind == "video"]
        if len(photos) + len(videos) != len(reply.files):
            raise ConnectorError(
                "Telegram: можно приложить только фото и видео", permanent=True, code="attachment_type"
            )
        plan: list[tuple[str, Any, str | None]] = []
        if reply.text and (not reply.files or len(reply.text) > 1024):
            plan.append(("message", None, None))
        for i, file in enumerate(reply.files):
            plan.append((file.kind, file, reply.text if not plan and i == 0 else None))
        return plan

    def publish(self, reply: Reply) -> Published:
        """Post the answer part by part, keeping the journal (``reply.parts``) up to date, so a
        retry after a crash posts only the parts not yet posted."""
        chat_id, message_id = self._target(reply)
        plan = self._plan(reply)
        journal = list(reply.parts or [])
        if UNKNOWN in journal:
            raise ConnectorError(
                "Telegram: часть ответа могла уйти в чат в момент сбоя — проверьте вручную", permanent=True,
                code="part_unknown",
            )  # fmt: skip
        where = ReplyParameters(message_id=message_id)
        save = reply.save_parts or (lambda parts: None)
        try:
            for i, (kind, file, caption) in enumerate(plan):
                if i < len(journal):
                    continue  # posted by an earlier attempt
                journal.append(UNKNOWN)
                save(list(journal))
                if kind == "message":
                    msg = self._send("message", chat_id, where, text=reply.text)
                else:
                    msg = self._send(kind, chat_id, where, file=file, caption=caption)
                journal[i] = str(msg.message_id)
                save(list(journal))
        except ConnectorError as exc:
            if journal and journal[-1] == UNKNOWN:
                journal.pop()  # the call failed: the part was not posted
                save(list(journal))
            raise exc
        finally:
            self.close()
        return self._published(chat_id, journal)

    def _published(self, chat_id: int, journal: list[str]) -> Published:
        first = int(journal[0])
        url = self._url({"message_id": first}, "") if chat_id == self.group_id else ""  # a private chat has no link
        return Published(f"{chat_id}/{first}", url)

    def find_published(self, reply: Reply) -> Published | None:
        """The Bot API cannot read the chat back: only the journal of parts tells what an earlier
        attempt posted. Without one, or with a part whose call never reported back, a person checks."""
        if reply.parts is None:
            raise NotVerifiable("Telegram не позволяет проверить, был ли ответ уже опубликован")
        if UNKNOWN in reply.parts:
            raise NotVerifiable("Telegram: часть ответа могла уйти в чат в момент сбоя")
        chat_id, _ = self._target(reply)
        if reply.parts and len(reply.parts) >= len(self._plan(reply)):
            return self._published(chat_id, reply.parts)
        return None  # the rest is certainly not posted: publish() continues after the journal


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or m.get("caption") or "")
