"""Creating notifications and delivering them: channels, quiet hours, retries, digests.

* :func:`notify` writes the in-app notification and one pending :class:`Delivery` per
  channel the person has on. Outside the municipality's working time a delivery waits for
  the next working moment (quiet hours); urgent ones (§24) go at once.
* :func:`send_due` sends what is due. Several deliveries waiting for one person on one
  channel (the night's backlog) go as one digest. A failure is recorded and retried with
  backoff; after ``MAX_ATTEMPTS`` the delivery is ``failed`` and shows in the admin.
  Several consumers may run it at once: each claims rows with a short lease first.
* A notification with files (``attachment_ref``, see :mod:`otklik.notify.attachments`) is
  never merged into a digest. Its files are rebuilt from their source at every attempt:
  attached to the e-mail, and sent to Telegram as documents after the text message. A file
  over the channel's size limit is left out and the text says so; the link is always there.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from time import monotonic
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from otklik.directory.models import Membership, Municipality
from otklik.notify import attachments, telegram
from otklik.notify.attachments import Attachment, AttachmentError, AttachmentGone
from otklik.notify.models import MAX_ATTEMPTS, BotCursor, Channel, Delivery, Notification, NotifySettings, backoff
from otklik.regulation.services import calendar_for

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
LINK_CODE_TTL = dt.timedelta(minutes=30)
DEFAULT_MAIL_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def mail_attachment_limit() -> int:
    """Files of one e-mail together, in bytes (``OTKLIK_MAIL_MAX_ATTACHMENT_BYTES``)."""
    return int(getattr(settings, "OTKLIK_MAIL_MAX_ATTACHMENT_BYTES", DEFAULT_MAIL_MAX_ATTACHMENT_BYTES))


# --- working time ---------------------------------------------------------------------------


def settings_for(user: Any) -> NotifySettings:
    obj, _ = NotifySettings.objects.get_or_create(user=user)
    return obj


def _municipality_of(user: Any) -> Municipality | None:
    m = Membership.objects.filter(user=user, municipality__isnull=False).select_related("municipality").first()
    return m.municipality if m else None


# --- creating -------------------------------------------------------------------------------


def channels_for(user: Any) -> list[tuple[str, str]]:
    """(channel, address) pairs a person receives notifications on, besides the bell."""
    prefs = settings_for(user)
    out: list[tuple[str, str]] = []
    if prefs.email_enabled and user.email:
        out.append((Channel.EMAIL, user.email))
    if prefs.telegram_enabled and prefs.telegram_chat_id and telegram.is_configured():
        out.append((Channel.TELEGRAM, prefs.telegram_chat_id))
    return out


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str,
    municipality: Municipality | None = None,
    case_id: int | None = None,
    urgent: bool = False,
    attachment_ref: str = "",
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Notify each person once per ``dedupe_key``; returns the notifications created.

    ``attachment_ref`` names files to send along by e-mail and Telegram (the bell keeps the link).
    """
    now = now or timezone.now()
    created: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user,
                    municipality=municipality,
                    kind=kind,
                    title=title[:300],
                    body=body,
                    url=url,
                    case_id=case_id,
                    urgent=urgent,
                    attachment_ref=attachment_ref,
                    dedupe_key=dedupe_key[:200],
                    created_at=now,
                )
        except IntegrityError:  # this event already notified this person (a retried job)
            continue
        when = now
        if not urgent:
            calendar = calendar_for(municipality or _municipality_of(user))
            when = calendar.next_working(now)
        Delivery.objects.bulk_create(
            Delivery(notification=notification, channel=channel, address=address, next_attempt_at=when, created_at=now)
            for channel, address in channels_for(user)
        )
        created.append(notification)
    return created


# --- sending --------------------------------------------------------------------------------


def absolute(url: str) -> str:
    if url.startswith("/"):
        return settings.SITE_URL + url
    return url


def _render_one(n: Notification, notes: Iterable[str] = ()) -> tuple[str, str]:
    """Subject and text of one notification; ``notes`` (about files) go before the link."""
    paragraphs = [n.title, n.body, *notes, absolute(n.url) if n.url else ""]
    return f"Отклик: {n.title}", "\n\n".join(p for p in paragraphs if p)


def _render(notifications: list[Notification]) -> tuple[str, str]:
    """Subject and text of one message (a digest when there are several)."""
    if len(notifications) == 1:
        return _render_one(notifications[0])
    lines = [f"Уведомлений за время вашего отсутствия: {len(notifications)}", ""]
    for n in notifications:
        lines.append(f"• {n.title}" + (f" — {absolute(n.url)}" if n.url else ""))
    return f"Отклик: {len(notifications)} уведомлений", "\n".join(lines)


def _send(channel: str, address: str, subject: str, text: str) -> None:
    if channel == Channel.EMAIL:
        connection = get_connection(fail_silently=False)
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [address], connection=connection).send()
    elif channel == Channel.TELEGRAM:
        telegram.BotClient().send_message(address, text)
    else:
        raise ValueError(f"unknown channel {channel}")


# --- sending with files ------------------------------------------------------------------------

FileCache = dict[str, "list[Attachment] | None | AttachmentError"]


def _files(reference: str, cache: FileCache) -> list[Attachment] | None:
    """The notification's files (built once per run), or None when their source is gone."""
    if reference not in cache:
        try:
            cache[reference] = attachments.build(reference)
        except AttachmentGone as exc:
            log.warning("attachments %s are gone: %s", reference, exc)
            cache[reference] = None
        except AttachmentError as exc:
            log.exception("attachments %s could not be built", reference)
            cache[reference] = exc
    found = cache[reference]
    if isinstance(found, AttachmentError):
        raise found
    return found


def _gone_note(n: Notification) -> str:
    return "Файлы недоступны" + (" — откройте документ по ссылке ниже." if n.url else ".")


def _send_email_with_files(delivery: Delivery, files: list[Attachment] | None) -> None:
    n = delivery.notification
    limit, total = mail_attachment_limit(), 0
    attached: list[Attachment] = []
    left: list[Attachment] = []
    for f in files or []:
        if total + f.size <= limit:
            attached.append(f)
            total += f.size
        else:
            left.append(f)
    notes = []
    if files is None:
        notes.append(_gone_note(n))
    if attached:
        notes.append("Во вложении: " + ", ".join(f.filename for f in attached) + ".")
    if left:
        names = ", ".join(f"{f.filename} ({attachments.human_size(f.size)})" for f in left)
        notes.append(
            f"Не приложено из-за размера (предел вложений письма — {attachments.human_size(limit)}): {names}."
            + (" Документ доступен по ссылке ниже." if n.url else "")
        )
    subject, text = _render_one(n, notes)
    message = EmailMessage(
        subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.address], connection=get_connection(fail_silently=False)
    )
    for f in attached:
        message.attach(f.filename, f.content, f.mimetype)
    message.send()


def _send_telegram_with_files(delivery: Delivery, files: list[Attachment] | None) -> None:
    """The text, then each document: parts already sent (``parts_sent``) are not sent again."""
    n = delivery.notification
    documents = [f for f in files or [] if f.telegram]
    fit = [f for f in documents if f.size <= telegram.MAX_DOCUMENT_BYTES]
    too_big = [f for f in documents if f.size > telegram.MAX_DOCUMENT_BYTES]
    notes = []
    if files is None:
        notes.append(_gone_note(n))
    if fit:
        notes.append("Следующим сообщением: " + ", ".join(f.filename for f in fit) + ".")
    for f in too_big:
        limit = attachments.human_size(telegram.MAX_DOCUMENT_BYTES)
        notes.append(
            f"Файл {f.filename} ({attachments.human_size(f.size)}) больше предела Telegram для ботов ({limit}) "
            "и не отправлен" + (" — откройте документ по ссылке ниже." if n.url else ".")
        )
    _, text = _render_one(n, notes)
    client = telegram.BotClient()
    parts: list[Callable[[], Any]] = [partial(client.send_message, delivery.address, text)]
    parts += [
        partial(client.send_document, delivery.address, f.filename, f.content, f.mimetype, caption=n.title) for f in fit
    ]
    for i in range(delivery.parts_sent, len(parts)):
        parts[i]()
        delivery.parts_sent = i + 1
        delivery.save(update_fields=["parts_sent"])


def _send_with_files(delivery: Delivery, cache: FileCache) -> None:
    files = _files(delivery.notification.attachment_ref, cache)
    if delivery.channel == Channel.EMAIL:
        _send_email_with_files(delivery, files)
    elif delivery.channel == Channel.TELEGRAM:
        _send_telegram_with_files(delivery, files)
    else:
        raise ValueError(f"unknown channel {delivery.channel}")


def _claim(now: dt.datetime, limit: int, ids: Iterable[int] | None) -> list[Delivery]:
    with transaction.atomic():
        qs = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        rows = list(
            qs.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        # The lease: a consumer that dies mid-send leaves the row to be retried after it.
        Delivery.objects.filter(pk__in=rows).update(next_attempt_at=now + LEASE)
    return list(Delivery.objects.filter(pk__in=rows).select_related("notification"))


def send_due(now: dt.datetime | None = None, *, limit: int = 500, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Send every pending delivery that is due; returns counts of sent/retry/failed."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    groups: dict[tuple[str, str, bool, int], list[Delivery]] = defaultdict(list)
    for delivery in _claim(now, limit, ids):
        n = delivery.notification
        # A notification with files goes on its own: a digest would lose them.
        alone = n.pk if n.attachment_ref else 0
        groups[(delivery.channel, delivery.address, n.urgent, alone)].append(delivery)
    files: FileCache = {}
    started = monotonic()
    batches = list(groups.items())
    for index, ((channel, address, _urgent, alone), deliveries) in enumerate(batches):
        if monotonic() - started > LEASE.total_seconds() / 2:
            # Building and uploading files takes time: hand the rest back before the lease runs
            # out, or another consumer would claim and send them a second time.
            rest = [d.pk for _key, ds in batches[index:] for d in ds]
            Delivery.objects.filter(pk__in=rest).update(next_attempt_at=now)
            break
        pks = [d.pk for d in deliveries]
        try:
            if alone:
                _send_with_files(deliveries[0], files)
            else:
                subject, text = _render([d.notification for d in deliveries])
                _send(channel, address, subject, text)
        except (smtplib.SMTPException, OSError, telegram.BotError, AttachmentError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("delivery %s to %s failed: %s", channel, pks, error)
            for d in deliveries:
                d.attempts += 1
                d.last_error = error
                if d.attempts >= MAX_ATTEMPTS:
                    d.status = Delivery.Status.FAILED
                    counts["failed"] += 1
                else:
                    d.next_attempt_at = now + backoff(d.attempts)
                    counts["retry"] += 1
                d.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            continue
        Delivery.objects.filter(pk__in=pks).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=1 + min(d.attempts for d in deliveries)
        )
        counts["sent"] += len(pks)
    return counts


def retry_now(deliveries: Iterable[Delivery]) -> int:
    """Admin action: put failed or waiting deliveries back in the queue for the next sweep."""
    pks = [d.pk for d in deliveries]
    return (
        Delivery.objects.filter(pk__in=pks)
        .exclude(status=Delivery.Status.SENT)
        .update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    )


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, pks: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return qs.update(read_at=timezone.now())


# --- Telegram linking -----------------------------------------------------------------------


def new_link_code(user: Any) -> str:
    """A one-time code the person sends to the bot (``/start <code>``) to link their chat."""
    prefs = settings_for(user)
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if not NotifySettings.objects.filter(link_code=code).exclude(pk=prefs.pk).exists():
            break
    prefs.link_code = code
    prefs.link_code_expires_at = timezone.now() + LINK_CODE_TTL
    prefs.save(update_fields=["link_code", "link_code_expires_at"])
    return code


def unlink_telegram(user: Any) -> None:
    prefs = settings_for(user)
    prefs.telegram_chat_id = ""
    prefs.telegram_linked_at = None
    prefs.save(update_fields=["telegram_chat_id", "telegram_linked_at"])


def poll_bot(client: telegram.BotClient | None = None) -> int:
    """Read the bot's new messages; link chats that sent a valid code. Returns chats linked."""
    if client is None and not telegram.is_configured():
        return 0
    client = client or telegram.BotClient()
    linked = 0
    with transaction.atomic():
        cursor, _ = BotCursor.objects.select_for_update().get_or_create(name="notify")
        updates = client.get_updates(cursor.offset)
        for update in updates:
            cursor.offset = max(cursor.offset, int(update.get("update_id", 0)) + 1)
            message = update.get("message") or {}
            chat = message.get("chat") or {}
            words = str(message.get("text") or "").split()
            code = words[-1] if words else ""
            if not (code.isdigit() and len(code) == 8 and chat.get("type", "private") == "private"):
                continue
            prefs = NotifySettings.objects.filter(Q(link_code=code), link_code_expires_at__gt=timezone.now()).first()
            if prefs is None:
                _reply(
                    client, chat.get("id"), "Код не найден или устарел. Получите новый код в настройках уведомлений."
                )
                continue
            prefs.telegram_chat_id = str(chat["id"])
            prefs.telegram_linked_at = timezone.now()
            prefs.link_code = ""
            prefs.link_code_expires_at = None
            prefs.save(update_fields=["telegram_chat_id", "telegram_linked_at", "link_code", "link_code_expires_at"])
            _reply(client, chat.get("id"), "Готово: уведомления «Отклика» будут приходить в этот чат.")
            linked += 1
        cursor.polled_at = timezone.now()
        cursor.save(update_fields=["offset", "polled_at"])
    return linked


def _reply(client: telegram.BotClient, chat_id: Any, text: str) -> None:
    if chat_id is None:
        return
    try:
        client.send_message(str(chat_id), text)
    except telegram.BotError as exc:
        log.info("bot reply to a linking chat failed: %s", exc)
