"""Records every successful read of an image, a contour, a result, a report or an export (an access event).

The routes that serve protected content are listed once, in :data:`ACCESS_ROUTES`, with what each serves; the
middleware records a GET answered 200 on one of them, for the signed-in user, after the view ran (a refused or
failed read is not an access). A new route that serves such content is added to the table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import AccessAction, AccessKind
from .services import access_record

log = logging.getLogger(__name__)

ACCESS_ROUTES: dict[str, tuple[AccessKind, AccessAction]] = {
    "api/cases/<int:case_id>/dicom": (AccessKind.IMAGE, AccessAction.DOWNLOAD),
    "api/cases/<int:case_id>/pixels": (AccessKind.IMAGE, AccessAction.VIEW),
    "api/cases/<int:case_id>/reference": (AccessKind.CONTOUR, AccessAction.VIEW),
    r"^api/cases/(?P<case_id>[0-9]+)/reference\.(?P<fmt>seg|rtstruct)\.dcm$": (
        AccessKind.CONTOUR,
        AccessAction.DOWNLOAD,
    ),
    r"^api/submissions/(?P<submission_id>[0-9]+)/contours\.(?P<fmt>seg|rtstruct)\.dcm$": (
        AccessKind.CONTOUR,
        AccessAction.DOWNLOAD,
    ),
    r"^api/submissions/(?P<submission_id>[0-9]+)/consensus\.(?P<fmt>seg|rtstruct)\.dcm$": (
        AccessKind.CONTOUR,
        AccessAction.DOWNLOAD,
    ),
    "api/submissions/<int:submission_id>": (AccessKind.RESULT, AccessAction.VIEW),
    "api/submissions/<int:submission_id>/overlay.png": (AccessKind.OVERLAY, AccessAction.VIEW),
    "api/reports/<int:job_id>/pdf": (AccessKind.REPORT, AccessAction.DOWNLOAD),
    "api/trainees/<int:trainee_id>/history": (AccessKind.RESULT, AccessAction.VIEW),
    "api/trainees/<int:trainee_id>/accreditation": (AccessKind.RESULT, AccessAction.VIEW),
    "api/trainees/<int:trainee_id>/error-classes": (AccessKind.RESULT, AccessAction.VIEW),
    "api/trainees/<int:trainee_id>/repeatability": (AccessKind.RESULT, AccessAction.VIEW),
    "api/cohorts/<int:cohort_id>/overview": (AccessKind.RESULT, AccessAction.VIEW),
    "api/cohorts/<int:cohort_id>/accreditation": (AccessKind.RESULT, AccessAction.VIEW),
    "api/exports/results.csv": (AccessKind.EXPORT, AccessAction.DOWNLOAD),
    "api/audit/export.csv": (AccessKind.AUDIT, AccessAction.DOWNLOAD),
}
"""URL route (a ``path`` route or a ``re_path`` regex, as ``request.resolver_match.route`` gives it) -> what a 200
GET on it serves."""


class AccessLogMiddleware:
    """Django middleware (after ``AuthenticationMiddleware``): an :class:`AccessEvent` per successful read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method != "GET" or response.status_code != 200 or match is None:
            return response
        what = ACCESS_ROUTES.get(match.route)
        user = getattr(request, "user", None)
        if what is None or user is None or not user.is_authenticated:
            return response
        try:
            access_record(
                actor=user,
                kind=what[0],
                action=what[1],
                ids=dict(match.kwargs),
                path=request.get_full_path()[:500],
            )
        except Exception:  # the read was served; a failed record is logged, never turned into an error page
            log.exception("could not record the access to %s", request.path)
        return response
