"""Reads of the audit log, scoped to the requester: a supervisor sees what concerns them and nothing else."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db.models import Q

from backend.accounts.models import User

from .models import AccessEvent

_CHANGE_ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}


def _changes(entry: LogEntry) -> dict:
    raw = entry.changes
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw else {}
        except ValueError:
            raw = {}
    return raw or {}


def audit_list(
    *,
    user: User,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[dict]:
    """The audit entries a supervisor may read, newest first: accesses and changes in one list.

    Accesses: those to the supervisor's own content (their cases, their trainees' results within their datasets,
    their reports) and their own. Changes: those the supervisor made (every change of their content is theirs:
    no one else manages it). A trainee reads nothing here.

    Parameters
    ----------
    user : User
        The reader; a trainee gets an empty list.
    actor_id : int, optional
        Only entries by this user.
    since, until : datetime, optional
        Only entries from ``since`` (inclusive) to ``until`` (exclusive).
    limit : int
        At most this many entries of each of the two kinds.

    Returns
    -------
    list of dict
        ``at``, ``entry`` ("access" or "change"), ``actor_id``, ``actor`` (username), ``action``, ``object_type``,
        ``object_id``, ``object``, ``changes`` (field -> [old, new]; empty for an access), ``path``.
    """
    if not user.is_supervisor:
        return []
    events = AccessEvent.objects.filter(Q(owner=user) | Q(actor=user))
    changes = LogEntry.objects.filter(actor=user).select_related("content_type", "actor")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
        changes = changes.filter(actor_id=actor_id)
    if since is not None:
        events, changes = events.filter(at__gte=since), changes.filter(timestamp__gte=since)
    if until is not None:
        events, changes = events.filter(at__lt=until), changes.filter(timestamp__lt=until)
    rows: list[dict[str, Any]] = [
        {
            "at": e.at,
            "entry": "access",
            "actor_id": e.actor_id,
            "actor": e.actor_username,
            "action": e.action,
            "object_type": e.kind,
            "object_id": e.object_id,
            "object": e.object_repr,
            "changes": {},
            "path": e.path,
        }
        for e in events.order_by("-at", "-id")[:limit]
    ]
    rows += [
        {
            "at": c.timestamp,
            "entry": "change",
            "actor_id": c.actor_id,
            "actor": c.actor.username if c.actor is not None else "",
            "action": _CHANGE_ACTIONS.get(c.action, str(c.action)),
            "object_type": c.content_type.model,
            "object_id": str(c.object_pk),
            "object": c.object_repr[:300],
            "changes": _changes(c),
            "path": "",
        }
        for c in changes.order_by("-timestamp", "-id")[:limit]
    ]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows
