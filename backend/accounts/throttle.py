"""Login throttling (django-axes): after ``AXES_FAILURE_LIMIT`` failed logins of one username from one address,
that username is locked out from that address for ``AXES_COOLOFF_TIME`` (README, "Configuration"); a correct
password during the lock-out is refused too, and the lock-out ends by itself (or ``manage.py axes_reset``).

Axes calls :func:`client_ip` for the address and :func:`lockout_response` for the answer: a 429 with a sentence
saying when to try again, and a ``Retry-After`` header.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one the MyoQA proxy puts in ``X-Forwarded-For`` (it overwrites what a client
    sends), else the socket's (a request that did not come through the proxy)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    first = forwarded.split(",")[0].strip()
    return first or request.META.get("REMOTE_ADDR")


def cool_off() -> timedelta:
    """How long a lock-out lasts."""
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, timedelta) else timedelta(minutes=15)


def locked_until(request: HttpRequest, username: str | None) -> datetime:
    """When the lock-out of ``username`` from this request's address ends (its last failed attempt + the cool-off)."""
    from axes.models import AccessAttempt

    last = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off()


def lockout_message(until: datetime) -> str:
    """The sentence a locked-out user reads."""
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    limit = settings.AXES_FAILURE_LIMIT
    return (
        f"Too many failed sign-ins ({limit} in a row) for this username: it is locked for {minutes} "
        f"minute{'s' if minutes != 1 else ''}. Try again after {until:%H:%M} UTC, or ask your supervisor to reset "
        "your password."
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> JsonResponse:
    """Axes' lock-out answer (``AXES_LOCKOUT_CALLABLE``): 429 ``{"detail": sentence, "locked_until": ISO time}``."""
    username = (credentials or {}).get(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")) or getattr(
        request, "axes_username", None
    )
    until = locked_until(request, username)
    seconds = max(1, int((until - timezone.now()).total_seconds()))
    response = JsonResponse({"detail": lockout_message(until), "locked_until": until.isoformat()}, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
