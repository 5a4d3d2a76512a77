"""What the API shows of each object: its JSON keys and the model fields they come from.

Both renderings are made from these tables — ``serialize.py`` in Python (SQLite, the
actions' answers) and ``pgjson.py`` in PostgreSQL (the hot reads) — so a field added here
appears in both, and ``tests/test_pgjson.py`` holds them equal. Values are field names of
the model (``ORM paths`` for the case row, which spans the case's relations).
"""

from __future__ import annotations

# A case in the list: first characters of the message text only.
LIST_TEXT = 500

# The case row (list item, and the head of the detail), as ORM paths from Case. Beside these,
# both renderings add ``status_label``, ``text``, ``topic`` ({id, name} from topic_id and
# topic_name, which are not shown themselves) and ``assignments`` (the active ones).
CASE_ROW = {
    "id": "id",
    "municipality": "municipality__slug",
    "status": "status",
    "version": "version",
    "network": "primary_post__network",
    "source_key": "primary_post__source_key",
    "url": "primary_post__url",
    "author_name": "primary_post__author_name",
    "published_at": "primary_post__published_at",
    "created_at": "created_at",
    "detected_at": "detected_at",
    "routed_at": "routed_at",
    "answered_at": "answered_at",
    "next_due_at": "next_due_at",
    "topic_id": "topic_id",
    "topic_name": "topic__name",
    "is_significant": "is_significant",
    "excluded_reason": "excluded_reason",
    "repeat_of": "repeat_of_id",
}
# An assignment in a case row, as ORM paths from Assignment.
ASSIGNMENT_REF = {
    "id": "id",
    "organization_id": "organization_id",
    "organization": "organization__short_name",
    "role": "role",
    "status": "status",
}

# An assignment in full (the detail's ``assignments_full``), as ORM paths from Assignment.
ASSIGNMENT = {
    **ASSIGNMENT_REF,
    "is_active": "is_active",
    "assigned_at": "assigned_at",
    "return_reason": "return_reason",
    "returned_at": "returned_at",
    "info_text": "info_text",
    "info_submitted_at": "info_submitted_at",
    "info_remarks": "info_remarks",
    "forwarded_at": "forwarded_at",
}

# The detail's collections, as field names of their models. JSON list fields are always lists.
POST = {
    "id": "id",
    "network": "network",
    "source_key": "source_key",
    "url": "url",
    "author_id": "author_id",
    "author_name": "author_name",
    "author_url": "author_url",
    "text": "text",
    "attachments": "attachments",
    "parent_key": "parent_key",
    "published_at": "published_at",
    "collected_at": "collected_at",
    "account_id": "account",
    "edited_at": "edited_at",
    "deleted_at": "deleted_at",
}
DRAFT = {
    "id": "id",
    "kind": "kind",
    "text": "text",
    "attachments": "attachments",
    "version": "version",
    "organization_id": "organization",
    "author_id": "author",
    "submitted_at": "submitted_at",
    "outcome": "outcome",
    "reviewed_at": "reviewed_at",
    "remarks": "remarks",
}
PUBLICATION = {
    "id": "id",
    "draft_id": "draft",
    "kind": "kind",
    "account_id": "account",
    "status": "status",
    "external_id": "external_id",
    "url": "url",
    "error": "error",
    "created_at": "created_at",
    "published_at": "published_at",
}
# Beside these: ``is_violation`` (the model's property).
DEADLINE = {
    "id": "id",
    "stage": "stage",
    "point": "point",
    "assignment_id": "assignment",
    "organization_id": "organization",
    "user_id": "user",
    "limit_value": "limit_value",
    "limit_unit": "limit_unit",
    "started_at": "started_at",
    "due_at": "due_at",
    "warn_at": "warn_at",
    "warned_at": "warned_at",
    "breached_at": "breached_at",
    "closed_at": "closed_at",
    "outcome": "outcome",
}
# Beside these: ``data`` (an object as stored; anything else as {"value": …}).
EVENT = {"id": "id", "kind": "kind", "actor_id": "actor", "created_at": "created_at"}

# The detail's collections: key → (the case's related name, the table of its rows, their order).
COLLECTIONS = {
    "thread": ("posts", POST, ("published_at", "id")),
    "drafts": ("drafts", DRAFT, ("version",)),
    "publications": ("publications", PUBLICATION, ("id",)),
    "deadlines": ("deadlines", DEADLINE, ("started_at", "id")),
    "events": ("events", EVENT, ("created_at", "id")),
}
