"""Django side of triage: build a municipality's triager, triage a post, train models.

``triage_post`` is what the ``post_registered`` subscriber runs: it computes and stores
the ``TriageResult`` and, only where the municipality switched it on, detects, routes
or flags the case as the system (``acting_user=None``) through the case actions.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from otklik.cases.models import Assignment, Case, Draft, Post
from otklik.cases.workflow import Status
from otklik.directory.models import Municipality, Organization, Topic

from .answers import AnswerIndex
from .locations import Gazetteer, find_addresses
from .models import GazetteerEntry, TriageModel, TriageResult, TriageSettings
from .pipeline import TriageOutput, Triager
from .repeats import PriorMessage, find_repeats
from .routing import KeywordRouter, LinearModel, build_features
from .significance import RecentMessage, burst_size
from .text import deobfuscate, normalize
from .topics import TopicMatcher, default_matcher

log = logging.getLogger(__name__)

_lock = threading.Lock()
_model_cache: dict[int, tuple[int, LinearModel]] = {}  # TriageModel.id -> model
_answer_cache: dict[int, tuple[tuple[int, Any], AnswerIndex]] = {}
_gazetteer_cache: dict[int, tuple[tuple[Any, ...], tuple[Gazetteer | None, dict[str, str]]]] = {}


def gazetteer_for(municipality: Municipality, settings_: TriageSettings) -> tuple[Gazetteer | None, dict[str, str]]:
    """The municipality's gazetteer (settings' name → area plus ``GazetteerEntry`` rows)
    and its territories: area → the territorial department's organization id."""
    rows = GazetteerEntry.objects.filter(municipality=municipality)
    stamp = (rows.count(), rows.aggregate(m=Max("pk"))["m"], json_stamp(settings_.gazetteer))
    with _lock:
        cached = _gazetteer_cache.get(municipality.pk)
    if cached and cached[0] == stamp:
        return cached[1]
    entries: dict[str, str] = dict(settings_.gazetteer or {})
    territories: dict[str, str] = {}
    for entry in rows.select_related("department").order_by("pk"):
        label = entry.area_label
        if not label:
            continue
        entries[entry.name] = label
        if entry.department_id:
            territories[label] = str(entry.department_id)
    built = (Gazetteer(entries) if entries else None, territories)
    with _lock:
        _gazetteer_cache[municipality.pk] = (stamp, built)
    return built


def json_stamp(value: Any) -> str:
    import json

    return json.dumps(value or {}, sort_keys=True, ensure_ascii=False)


# --- models ---------------------------------------------------------------------------
def active_model(municipality: Municipality, kind: str) -> tuple[TriageModel, LinearModel] | None:
    row = TriageModel.objects.filter(municipality=municipality, kind=kind, is_active=True).defer("data").first()
    if row is None:
        return None
    with _lock:
        cached = _model_cache.get(row.pk)
    if cached is None:
        data = TriageModel.objects.filter(pk=row.pk).values_list("data", flat=True).first()
        try:
            model = LinearModel.from_bytes(bytes(data or b""))
        except ValueError as exc:  # an unreadable or outdated model: rules route until it is retrained
            log.warning("triage model %s v%s of %s not used: %s", kind, row.version, municipality.pk, exc)
            return None
        with _lock:
            _model_cache[row.pk] = (row.pk, model)
        return row, model
    return row, cached[1]


def store_model(municipality: Municipality, kind: str, model: LinearModel, metrics: dict) -> TriageModel:
    """Save a trained model as the next version and make it the active one."""
    with transaction.atomic():
        last = (
            TriageModel.objects.select_for_update()
            .filter(municipality=municipality, kind=kind)
            .aggregate(v=Max("version"))["v"]
            or 0
        )
        TriageModel.objects.filter(municipality=municipality, kind=kind, is_active=True).update(is_active=False)
        return TriageModel.objects.create(
            municipality=municipality,
            kind=kind,
            version=last + 1,
            is_active=True,
            created_at=timezone.now(),
            n_train=int(model.meta.get("n_train", 0)),
            metrics=metrics,
            data=model.to_bytes(),
        )


def rollback_model(municipality: Municipality, kind: str) -> TriageModel | None:
    """Activate the version before the active one; returns it (None if there is none)."""
    with transaction.atomic():
        rows = list(
            TriageModel.objects.select_for_update()
            .filter(municipality=municipality, kind=kind)
            .defer("data")
            .order_by("-version")
        )
        active = next((r for r in rows if r.is_active), None)
        older = [r for r in rows if active is None or r.version < active.version]
        if not older:
            return None
        TriageModel.objects.filter(municipality=municipality, kind=kind, is_active=True).update(is_active=False)
        TriageModel.objects.filter(pk=older[0].pk).update(is_active=True)
        return older[0]


def routed_history(
    municipality: Municipality,
) -> tuple[list[list[str]], list[str], list[list[str]], list[str], list[str], list[float]]:
    """Training data from the municipality's own cases, oldest first.

    Routing: the text of each case's primary post with the organization it was routed
    to last (sole or lead; a returned assignment is not a label), with the cleaned text
    (character n-grams) and its age in days (recent routing weighs more).  Topics: the
    case's topic as set by people.
    """
    settings_ = TriageSettings.for_municipality(municipality)
    gazetteer = gazetteer_for(municipality, settings_)[0]
    matcher = build_triager(municipality, settings_).topic_matcher or default_matcher()
    route_docs: list[list[str]] = []
    route_labels: list[str] = []
    topic_docs: list[list[str]] = []
    topic_labels: list[str] = []
    route_texts: list[str] = []
    route_ages: list[float] = []
    now = timezone.now()
    cases = (
        Case.objects.filter(municipality=municipality, primary_post__isnull=False)
        .select_related("primary_post", "topic")
        .order_by("created_at", "pk")
    )
    lead_by_case: dict[int, int] = {}
    for case_id, org_id in (
        Assignment.objects.filter(case__municipality=municipality, role__in=["sole", "lead"])
        .exclude(status=Assignment.AssignmentStatus.RETURNED)
        .order_by("assigned_at", "pk")
        .values_list("case_id", "organization_id")
    ):
        lead_by_case[case_id] = org_id
    for case in cases.iterator(chunk_size=500):
        post = case.primary_post
        if post is None:
            continue
        nt = normalize(post.text)
        lemmas = nt.lemmas
        if not lemmas:
            continue
        areas = gazetteer.areas(lemmas) if gazetteer else []
        extras = [f"@acc:{post.account_id}"] if post.account_id else []
        topic_guess = matcher.match(lemmas).topic
        if topic_guess:
            extras.append(f"@topic:{topic_guess}")
        if case.pk in lead_by_case:
            route_docs.append(build_features(lemmas, areas, extras))
            route_labels.append(str(lead_by_case[case.pk]))
            route_texts.append(nt.clean)
            route_ages.append(max(0.0, (now - case.created_at).total_seconds() / 86400))
        if case.topic is not None:
            topic_docs.append(build_features(lemmas))
            topic_labels.append(case.topic.name)
    return route_docs, route_labels, topic_docs, topic_labels, route_texts, route_ages


# Routing a year ago weighs half of routing today (organizations change, competences move).
ROUTING_HALF_LIFE_DAYS = 365.0


def train_municipality(municipality: Municipality, *, min_cases: int = 30) -> dict[str, Any]:
    """Train routing and topic models from the deployment's own history (``triage_train``)."""
    from .training import LabelledSet, evaluate

    route_docs, route_labels, topic_docs, topic_labels, route_texts, route_ages = routed_history(municipality)
    report: dict[str, Any] = {}
    for kind, docs, labels in (
        (TriageModel.Kind.ROUTING, route_docs, route_labels),
        (TriageModel.Kind.TOPIC, topic_docs, topic_labels),
    ):
        # Routing: character n-grams, C by cross-validation on these rows, recent rows weigh more.
        extra: dict[str, Any] = (
            {
                "texts": route_texts,
                "ages_days": route_ages,
                "half_life_days": ROUTING_HALF_LIFE_DAYS,
                "c": None,
                "choose_features": True,
            }
            if kind == TriageModel.Kind.ROUTING
            else {}
        )
        if len(docs) < min_cases or len(set(labels)) < 2:
            report[kind] = {"trained": False, "n": len(docs), "reason": f"нужно не меньше {min_cases} случаев"}
            continue
        cut = max(1, int(len(docs) * 0.8))
        metrics: dict[str, Any] = {}
        if len(set(labels[:cut])) >= 2 and cut < len(docs):
            part: dict[str, Any] = {k: (v[:cut] if isinstance(v, list) else v) for k, v in extra.items()}
            probe = LinearModel.fit(docs[:cut], labels[:cut], calibrate=False, **part)
            texts = route_texts[cut:] if kind == TriageModel.Kind.ROUTING else None
            metrics = evaluate(probe, LabelledSet(docs[cut:], labels[cut:], texts), per_class=True)
            metrics["c"] = probe.meta.get("c")
        model = LinearModel.fit(docs, labels, meta={"kind": kind}, **extra)
        row = store_model(municipality, kind, model, metrics)
        report[kind] = {"trained": True, "version": row.version, "n": len(docs), **metrics}
    return report


# --- building a triager ---------------------------------------------------------------
def build_triager(municipality: Municipality, settings_: TriageSettings | None = None) -> Triager:
    settings_ = settings_ or TriageSettings.for_municipality(municipality)
    topic_names = list(Topic.objects.filter(municipality=municipality, is_active=True).values_list("name", flat=True))
    from . import lexicon

    keywords = {name: lexicon.TOPIC_KEYWORDS.get(name, "") for name in topic_names} if topic_names else None
    if settings_.topic_keywords:
        keywords = dict(keywords or lexicon.TOPIC_KEYWORDS)
        for name, extra in settings_.topic_keywords.items():
            keywords[name] = f"{keywords.get(name, '')} {extra}".strip()
    matcher = TopicMatcher(keywords) if keywords is not None else None
    versions = ["rules-1"]
    router = topic_model = None
    found = active_model(municipality, TriageModel.Kind.ROUTING)
    if found:
        versions.append(found[0].label)
        router = found[1]
    found_topic = active_model(municipality, TriageModel.Kind.TOPIC)
    if found_topic:
        versions.append(found_topic[0].label)
        topic_model = found_topic[1]
    keyword_router = None
    if router is None:
        orgs = Organization.objects.filter(municipality=municipality, is_active=True).prefetch_related(
            "competence_topics"
        )
        table = {
            str(o.pk): (o.competence_keywords, [t.name for t in o.competence_topics.all()])
            for o in orgs
            if o.competence_keywords or o.competence_topics.exists()
        }
        keyword_router = KeywordRouter(table) if table else None
    gazetteer, territories = gazetteer_for(municipality, settings_)
    return Triager(
        topic_matcher=matcher,
        topic_model=topic_model,
        router=router,
        keyword_router=keyword_router,
        gazetteer=gazetteer,
        territories=territories,
        relevance_threshold=settings_.relevance_threshold,
        abuse_allow=settings_.abuse_allow,
        model_version="+".join(versions),
    )


def _answer_index(municipality: Municipality) -> AnswerIndex | None:
    approved = Draft.objects.filter(case__municipality=municipality, outcome=Draft.Outcome.APPROVED)
    stamp = (approved.count(), approved.aggregate(m=Max("pk"))["m"])
    if not stamp[0]:
        return None
    with _lock:
        cached = _answer_cache.get(municipality.pk)
    if cached and cached[0] == stamp:
        return cached[1]
    items = [
        (d.pk, normalize(d.case.primary_post.text).lemmas, d.text)
        for d in approved.select_related("case__primary_post").order_by("-pk")[:5000]
        if d.case.primary_post is not None
    ]
    index = AnswerIndex(items)
    with _lock:
        _answer_cache[municipality.pk] = (stamp, index)
    return index


# --- triaging a post ------------------------------------------------------------------
def _engagement(post: Post) -> dict[str, int] | None:
    raw = post.raw if isinstance(post.raw, dict) else {}
    out = {}
    for key in ("likes", "comments", "reposts", "views"):
        value = raw.get(key)
        if isinstance(value, dict):
            value = value.get("count")
        if isinstance(value, int):
            out[key] = value
    return out or None


def compute(post: Post, settings_: TriageSettings | None = None) -> tuple[TriageOutput, dict[str, Any]]:
    """Triage a post in its municipality's context; nothing is saved."""
    municipality = post.municipality
    settings_ = settings_ or TriageSettings.for_municipality(municipality)
    triager = build_triager(municipality, settings_)
    lemmas = normalize(post.text).lemmas
    areas = triager.gazetteer.areas(lemmas) if triager.gazetteer else []
    at = post.published_at or timezone.now()
    out = triager.run(
        post.text,
        account=str(post.account_id) if post.account_id else None,
        engagement=_engagement(post),
        engagement_threshold=settings_.engagement_threshold,
        with_addresses=True,
    )
    # Bursts (§24): similar messages (same topic) from the same area within the window.
    if areas and out.topic.topic:
        window = timedelta(minutes=settings_.burst_window_minutes)
        recent = [
            RecentMessage(published, (r_areas or [None])[0], topic_name or None, frozenset())
            for published, r_areas, topic_name in TriageResult.objects.filter(
                municipality=municipality,
                topic_name=out.topic.topic,
                post__published_at__gte=at - window,
                post__published_at__lte=at,
            )
            .exclude(post=post)
            .values_list("post__published_at", "areas", "topic_name")[:1000]
        ]
        burst = burst_size(at, areas[0], out.topic.topic, lemmas, recent, window=window)
        if burst + 1 >= settings_.burst_threshold:
            out.significance.reasons.append(f"всплеск: {burst + 1} похожих сообщений ({areas[0]})")
            out.significance.significant = True
    extra = {
        "repeats": _repeats(post, lemmas, settings_),
        "answers": [],
    }
    index = _answer_index(municipality)
    if index is not None:
        extra["answers"] = [a.as_dict() for a in index.suggest(lemmas, k=3)]
    return out, extra


def _repeats(post: Post, lemmas: list[str], settings_: TriageSettings) -> list[dict]:
    at = post.published_at or timezone.now()
    since = at - timedelta(days=settings_.repeat_window_days)
    prior_posts = Post.objects.filter(municipality=post.municipality, case__isnull=False, published_at__gte=since)
    prior_posts = prior_posts.exclude(pk=post.pk).select_related("case")
    if post.case_id is not None:
        prior_posts = prior_posts.exclude(case_id=post.case_id)
    conditions = []
    if post.author_id:
        conditions.append(prior_posts.filter(author_id=post.author_id))
    # The same place from anyone (a copied complaint): posts that name the same street.
    addresses = find_addresses(normalize(post.text))
    my_places = frozenset(a.key for a in addresses)
    for name in dict.fromkeys(a.written_name for a in addresses if len(a.written_name) >= 4):
        conditions.append(prior_posts.filter(text__icontains=name))
    if post.parent_key:
        conditions.append(prior_posts.filter(network=post.network, source_key=post.parent_key))
        conditions.append(prior_posts.filter(network=post.network, parent_key=post.parent_key))
    handled = {Status.ASSIGNED, Status.REVIEW, Status.REVISION, Status.APPROVED, Status.INTERMEDIATE, Status.ANSWERED}
    prior: list[PriorMessage] = []
    seen: set[int] = set()
    for qs in conditions:
        for p in qs.order_by("-published_at")[:50]:
            if p.pk in seen or p.case is None or p.case_id is None:
                continue
            seen.add(p.pk)
            nt = normalize(p.text)
            prior.append(
                PriorMessage(
                    case_id=p.case_id,
                    author_id=p.author_id or None,
                    thread_key=p.source_key if not p.parent_key else p.parent_key,
                    at=p.published_at,
                    lemmas=frozenset(w for w in nt.lemmas if len(w) > 2),
                    handled=p.case.status in handled,
                    places=frozenset(a.key for a in find_addresses(nt)) if my_places else frozenset(),
                )
            )
    found = find_repeats(
        author_id=post.author_id or None,
        thread_key=post.parent_key or None,
        at=at,
        lemmas=lemmas,
        prior=prior,
        window=timedelta(days=settings_.repeat_window_days),
        min_similarity=settings_.repeat_min_similarity,
        places=my_places,
    )
    return [c.as_dict() for c in found]


def _suggestions_with_names(out: TriageOutput, municipality: Municipality) -> list[dict]:
    ids = [int(s.label) for s in out.suggestions if s.label.isdigit()]
    names = dict(Organization.objects.filter(pk__in=ids, municipality=municipality).values_list("pk", "short_name"))
    rows = []
    for s in out.suggestions:
        if not s.label.isdigit() or int(s.label) not in names:
            continue  # an organization deleted since training
        rows.append(
            {
                "organization_id": int(s.label),
                "organization": names[int(s.label)],
                "confidence": s.confidence,
                "reasons": s.reasons,
            }
        )
    return rows


def triage_post(post_id: int) -> TriageResult | None:
    """Compute and store the triage of a post; run the switched-on automatic actions."""
    post = Post.objects.select_related("municipality", "case").filter(pk=post_id).first()
    if post is None:
        return None
    municipality = post.municipality
    settings_ = TriageSettings.for_municipality(municipality)
    out, extra = compute(post, settings_)
    topic = None
    if out.topic.topic:
        topic = Topic.objects.filter(municipality=municipality, name=out.topic.topic).first()
    values = {
        "municipality": municipality,
        "computed_at": timezone.now(),
        "model_version": out.model_version,
        "relevance": out.relevance.score,
        "relevant": out.relevance.relevant,
        "relevance_reasons": out.relevance.reasons,
        "topic_name": out.topic.topic or "",
        "topic": topic,
        "topic_confidence": out.topic.score,
        "topic_reasons": out.topic.reasons,
        "suggestions": _suggestions_with_names(out, municipality),
        "abuse_categories": out.abuse.categories if out.abuse else [],
        "abuse_evidence": [e.as_dict() for e in out.abuse.evidence] if out.abuse else [],
        "significant": out.significance.significant,
        "significance_reasons": out.significance.reasons,
        "repeat_candidates": extra["repeats"],
        "answer_suggestions": extra["answers"],
        "areas": out.areas,
        "addresses": out.addresses,
    }
    result, _ = TriageResult.objects.update_or_create(post=post, defaults=values)
    if post.case is not None:
        done = apply_automation(post.case, result, settings_)
        if done:
            TriageResult.objects.filter(pk=result.pk).update(auto_actions=done)
            result.auto_actions = done
    return result


def apply_automation(case: Case, result: TriageResult, settings_: TriageSettings) -> list[str]:
    """Detect / route / flag as the system, each only if switched on and confident.

    A refusal by the workflow (someone acted first, the case moved on) is logged and the
    remaining steps are skipped for that case: triage never fights a person.
    """
    done: list[str] = []
    if not (settings_.auto_detect or settings_.auto_route or settings_.auto_flag_significant):
        return done
    if result.abuse_categories:
        return done  # §22 is a person's decision; never act automatically on such a message
    try:
        from otklik.cases import actions
        from otklik.cases.errors import ActionError
    except ImportError:  # pragma: no cover - the workflow actions are part of the project
        log.warning("triage automation skipped: otklik.cases.actions is missing")
        return done
    try:
        case.refresh_from_db()
        if settings_.auto_detect and case.status == Status.FEED and result.relevance >= settings_.auto_detect_threshold:
            case = actions.do_detect_case(case, acting_user=None) or case
            done.append("detected")
            case.refresh_from_db()
        top = result.top_suggestion
        if (
            settings_.auto_route
            and case.status == Status.NEW
            and top
            and top["confidence"] >= settings_.auto_route_threshold
        ):
            org = Organization.objects.filter(
                pk=top["organization_id"], municipality=case.municipality, is_active=True
            ).first()
            if org is not None:
                case = actions.do_route_case(case, [org], acting_user=None) or case
                done.append(f"routed:{org.pk}")
                case.refresh_from_db()
        if settings_.auto_flag_significant and result.significant and not case.is_significant:
            reason = "; ".join(result.significance_reasons) or "признаки социальной значимости"
            actions.do_flag_significant(case, reason=f"Автоматически (разбор): {reason}", acting_user=None)
            done.append("flagged_significant")
    except ActionError as exc:
        log.info("triage automation stopped on case %s: %s", case.pk, exc.message)
    return done


def record_abuse_review(result: TriageResult, *, confirmed: bool, user: Any) -> None:
    """The specialist's verdict on an abuse flag, kept for quality reports and learning.

    An override counts against each flagged word in the municipality's
    ``TriageSettings.abuse_overrides``; a word overridden twice stops being flagged there.
    A confirmation resets the count of its words.
    """
    with transaction.atomic():
        result.abuse_review = TriageResult.AbuseReview.CONFIRMED if confirmed else TriageResult.AbuseReview.OVERRIDDEN
        result.abuse_reviewed_by = user
        result.abuse_reviewed_at = timezone.now()
        result.save(update_fields=["abuse_review", "abuse_reviewed_by", "abuse_reviewed_at"])
        words = {deobfuscate(e["text"]) for e in result.abuse_evidence if " " not in e.get("text", "").strip()}
        if not words:
            return
        settings_, _ = TriageSettings.objects.select_for_update().get_or_create(municipality=result.municipality)
        counts = dict(settings_.abuse_overrides or {})
        for word in words:
            counts[word] = 0 if confirmed else counts.get(word, 0) + 1
        settings_.abuse_overrides = {w: n for w, n in counts.items() if n > 0}
        settings_.save(update_fields=["abuse_overrides"])


def _review_by_decision(payload: dict[str, Any], *, confirmed: bool) -> None:
    """A person's decision on a flagged message is their verdict on the §22 flag."""
    from django.contrib.auth import get_user_model

    actor_id, case_id = payload.get("actor_id"), payload.get("case_id")
    if actor_id is None or case_id is None:  # the system's own automation reviews nothing
        return
    post_id = Case.objects.filter(pk=case_id).values_list("primary_post_id", flat=True).first()
    if post_id is None:
        return
    result = TriageResult.objects.filter(post_id=post_id, abuse_review="").exclude(abuse_categories=[]).first()
    user = get_user_model().objects.filter(pk=actor_id).first()
    if result is not None and user is not None:
        record_abuse_review(result, confirmed=confirmed, user=user)


def on_case_excluded(payload: dict[str, Any]) -> None:
    """§22 exclusion of a flagged message confirms the flag."""
    _review_by_decision(payload, confirmed=True)


def on_case_detected(payload: dict[str, Any]) -> None:
    """«Требует реакции» on a flagged message overrides the flag (an excluded one would not be)."""
    _review_by_decision(payload, confirmed=False)


def on_post_registered(payload: dict[str, Any]) -> None:
    """Subscriber of the ``post_registered`` event."""
    post_id = payload.get("post_id") or payload.get("post")
    if post_id is None:
        log.warning("post_registered without a post id: %r", payload)
        return
    triage_post(int(post_id))
