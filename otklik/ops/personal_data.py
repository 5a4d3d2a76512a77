"""152-ФЗ: retention (anonymise authors of closed cases after N months), and a subject's
requests — export everything about one author, or erase it. Every run is logged in the
security log (``AuditEntry``) without the personal data itself (a hash of the subject).

What "anonymised" means for a stored post (``cases.Post``): author id, name and profile
link, the post's link, the network's raw payload and the author's attachments are removed;
phone numbers and e-mail addresses in the text are masked (retention) or the whole text is
replaced (erasure). Triage's extracted addresses and evidence quotes go too. The post keeps
its network and ``source_key`` so collection does not fetch it again, and cases, deadlines
and events stay (the §23 reports are built from them). Erasure also scrubs the author's
data where it was copied: the journal's payloads (an edited post's old and new text, drafts
quoting the author) and the notifications' titles and bodies (excerpts of the message).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from otklik.cases.models import Case, CaseEvent, Draft, Post, Publication
from otklik.cases.workflow import Status
from otklik.directory.models import Municipality
from otklik.ops.audit import record
from otklik.ops.models import RetentionPolicy

CLOSED = [Status.ANSWERED, Status.DISMISSED, Status.EXCLUDED]
MARKER = "anonymised_at"
ERASED_TEXT = "[текст удалён по требованию автора (152-ФЗ)]"
PHONE = re.compile(r"(?<!\d)(?:\+7|8|7)?[\s\-(]*\d{3}[\s\-)]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def subject_hash(network: str, author_id: str) -> str:
    """Stands for the subject in logs, so the log itself holds no personal data."""
    return hashlib.sha256(f"{network}:{author_id}".encode()).hexdigest()[:16]


def mask_contacts(text: str) -> str:
    return PHONE.sub("[телефон скрыт]", EMAIL.sub("[e-mail скрыт]", text or ""))


def author_posts(network: str, author_id: str) -> QuerySet[Post]:
    return Post.objects.filter(network=network, author_id=str(author_id)).order_by("published_at", "pk")


def _triage_model() -> Any:
    try:
        return apps.get_model("triage", "TriageResult")
    except LookupError:
        return None


def _anonymise(posts: list[Post], *, erase_text: bool) -> int:
    now = timezone.now().isoformat()
    for post in posts:
        post.author_id = ""
        post.author_name = ""
        post.author_url = ""
        post.url = ""
        post.attachments = []
        post.raw = {MARKER: now, "reason": "erasure" if erase_text else "retention"}
        post.text = ERASED_TEXT if erase_text else mask_contacts(post.text)
    Post.objects.bulk_update(
        posts, ["author_id", "author_name", "author_url", "url", "attachments", "raw", "text"], batch_size=500
    )
    TriageResult = _triage_model()
    if TriageResult is not None:
        fields = {f.name for f in TriageResult._meta.get_fields()}
        wipe = {k: [] for k in ("addresses", "abuse_evidence") if k in fields}
        if wipe:
            TriageResult.objects.filter(post__in=[p.pk for p in posts]).update(**wipe)
    return len(posts)


# --- a subject's requests ----------------------------------------------------------------


def export_author(network: str, author_id: str, *, actor: Any = None, reason: str = "") -> dict[str, Any]:
    """Everything stored about one author: their posts, what happened to them, our answers."""
    posts = list(author_posts(network, author_id).select_related("municipality", "case"))
    case_ids = {p.case_id for p in posts if p.case_id}
    answers: dict[int | None, list[dict[str, Any]]] = {}
    for pub in Publication.objects.filter(case_id__in=case_ids, status="published").select_related("draft"):
        answers.setdefault(pub.case_id, []).append(
            {"kind": pub.kind, "text": pub.draft.text, "published_at": pub.published_at, "url": pub.url}
        )
    TriageResult = _triage_model()
    triage = {}
    if TriageResult is not None:
        for t in TriageResult.objects.filter(post__in=posts):
            triage[t.post_id] = {"topic": t.topic_name, "addresses": getattr(t, "addresses", [])}
    data = {
        "subject": {"network": network, "author_id": str(author_id)},
        "generated_at": timezone.now(),
        "operator_note": (
            "Сведения о персональных данных автора, обрабатываемых в системе «Отклик» "
            "(ст. 14 Федерального закона от 27.07.2006 № 152-ФЗ)."
        ),
        "posts": [
            {
                "municipality": p.municipality.name,
                "network": p.network,
                "source_key": p.source_key,
                "url": p.url,
                "author_name": p.author_name,
                "author_url": p.author_url,
                "text": p.text,
                "attachments": p.attachments,
                "published_at": p.published_at,
                "collected_at": p.collected_at,
                "case": None
                if p.case is None
                else {
                    "id": p.case_id,
                    "status": p.case.get_status_display(),
                    "created_at": p.case.created_at,
                    "answered_at": p.case.answered_at,
                    "answers": answers.get(p.case_id, []),
                },
                "triage": triage.get(p.pk),
            }
            for p in posts
        ],
    }
    record(
        "pd_export",
        actor=actor,
        subject=subject_hash(network, author_id),
        network=network,
        posts=len(posts),
        cases=sorted(case_ids),
        reason=reason,
    )
    return data


EXCERPT = 299  # notifications quote the first characters of a message (notify.handlers._excerpt)


def _scrubber(posts: list[Post], names: set[str]) -> Any:
    """A function that removes the author's texts (whole or quoted), names and contacts from a value."""
    texts: set[str] = set()
    for p in posts:
        text = (p.text or "").strip()
        if len(text) >= 3:
            texts |= {text, text[:EXCERPT]}
    for e in CaseEvent.objects.filter(data__post_id__in=[p.pk for p in posts]).only("data"):
        for key in ("text_before", "text_after"):
            old = str((e.data or {}).get(key) or "").strip()
            if len(old) >= 3:
                texts |= {old, old[:EXCERPT]}
    ordered = sorted(texts, key=len, reverse=True)  # a whole text before its own excerpt

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for t in ordered:
                value = value.replace(t, ERASED_TEXT)
            for name in names:
                value = value.replace(name, "[имя скрыто]")
            return mask_contacts(value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def _scrub_copies(posts: list[Post], names: set[str], case_ids: list[int]) -> dict[str, int]:
    """The journal's payloads and the notifications of the author's cases (and their §19 links)."""
    scrub = _scrubber(posts, names)
    events = 0
    for e in CaseEvent.objects.filter(case_id__in=case_ids).only("pk", "data"):
        data = scrub(e.data)
        if data != e.data:
            CaseEvent.objects.redact(e.pk, data)
            events += 1
    notifications = 0
    Notification = apps.get_model("notify", "Notification") if apps.is_installed("otklik.notify") else None
    if Notification is not None:
        linked = set(case_ids) | set(
            Case.objects.filter(Q(repeat_of_id__in=case_ids) | Q(repeats__in=case_ids)).values_list("pk", flat=True)
        )
        for n in Notification.objects.filter(case_id__in=linked).only("pk", "title", "body"):
            title, body = scrub(n.title), scrub(n.body)
            if (title, body) != (n.title, n.body):
                Notification.objects.filter(pk=n.pk).update(title=title, body=body)
                notifications += 1
    return {"events_scrubbed": events, "notifications_scrubbed": notifications}


def erase_author(network: str, author_id: str, *, actor: Any = None, reason: str = "") -> dict[str, Any]:
    """Erase an author's personal data on request; our answers lose the author's name too."""
    with transaction.atomic():
        posts = list(author_posts(network, author_id).select_for_update())
        names = {p.author_name.strip() for p in posts if len(p.author_name.strip()) >= 3}
        case_ids = sorted({p.case_id for p in posts if p.case_id})
        copies = _scrub_copies(posts, names, case_ids)
        drafts = 0
        for draft in Draft.objects.filter(case_id__in=case_ids).only("pk", "text"):
            text = draft.text
            for name in names:
                text = text.replace(name, "[имя скрыто]")
            if text != draft.text:
                Draft.objects.filter(pk=draft.pk).update(text=text)
                drafts += 1
        count = _anonymise(posts, erase_text=True)
    result: dict[str, Any] = {"posts": count, "cases": case_ids, "drafts_masked": drafts, **copies}
    record(
        "pd_erasure", actor=actor, subject=subject_hash(network, author_id), network=network, reason=reason, **result
    )
    return result


# --- retention ---------------------------------------------------------------------------


def retention_months(municipality: Municipality) -> int | None:
    policy = RetentionPolicy.objects.filter(municipality=municipality).first()
    if policy is not None:
        return policy.anonymise_after_months if policy.is_active and policy.anonymise_after_months else None
    months = int(getattr(settings, "OTKLIK_RETENTION_DEFAULT_MONTHS", 36))
    return months or None


def due_for_retention(municipality: Municipality, months: int, now: Any = None) -> QuerySet[Post]:
    """Posts whose personal data has been kept long enough: cases closed (or left in the feed)
    more than ``months`` ago, and posts collected that long ago that never became a case."""
    cutoff = (now or timezone.now()) - relativedelta(months=months)
    closed_cases = (
        Case.objects.filter(municipality=municipality, status__in=CLOSED)
        .annotate(ended=Coalesce("closed_at", "answered_at", "updated_at"))
        .filter(ended__lt=cutoff)
    )
    stale_feed = Case.objects.filter(municipality=municipality, status=Status.FEED, created_at__lt=cutoff)
    return (
        Post.objects.filter(municipality=municipality)
        .exclude(raw__has_key=MARKER)
        .filter(Q(case__in=closed_cases) | Q(case__in=stale_feed) | Q(case__isnull=True, collected_at__lt=cutoff))
    )


def apply_retention(*, now: Any = None, dry_run: bool = False) -> dict[str, int]:
    done: dict[str, int] = {}
    for municipality in Municipality.objects.order_by("pk"):
        months = retention_months(municipality)
        if months is None:
            continue
        qs = due_for_retention(municipality, months, now)
        if dry_run:
            done[municipality.slug] = qs.count()
            continue
        total = 0
        while True:
            with transaction.atomic():
                batch = list(qs.select_for_update(of=("self",))[:500])
                if not batch:
                    break
                total += _anonymise(batch, erase_text=False)
        done[municipality.slug] = total
        if total:
            record("retention", municipality=municipality.slug, months=months, posts=total)
    return done
