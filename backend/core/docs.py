"""The API documentation's own files (Swagger UI and Redoc from drf-spectacular-sidecar), served by Django.

Django serves no other static files. These live under ``/api/docs/assets/`` because the proxy forwards ``/api``
only, and come from this server because the proxy's Content-Security-Policy allows scripts and styles from
``'self'`` alone (and a hospital LAN may have no internet to fetch them from a CDN).
"""

from __future__ import annotations

from pathlib import Path

import drf_spectacular_sidecar
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve

SIDECAR_STATIC = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"
"""The sidecar package's files: ``swagger-ui-dist/`` and ``redoc/``."""


@require_safe
def sidecar_asset(request: HttpRequest, path: str) -> HttpResponseBase:
    """One file of Swagger UI or Redoc (``path`` under ``swagger-ui-dist/`` or ``redoc/``), cached for a day.

    Raises
    ------
    Http404
        Any other path, or a file that is not there (``serve`` refuses paths that leave the folder).
    """
    if not path.startswith(("swagger-ui-dist/", "redoc/")):
        raise Http404("Not found.")
    response = serve(request, path, document_root=str(SIDECAR_STATIC))
    response["Cache-Control"] = "public, max-age=86400"
    return response
