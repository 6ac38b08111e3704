"""The API edge: one mapping from errors to responses (architecture convention 13).

* :class:`backend.cmr.errors.CMRError` (bad input a user can fix) -> 400 ``{"detail": message, "field": ...}``;
* Django ``ValidationError`` -> 400 with its first message;
* ``Http404`` / ``PermissionDenied`` from selectors -> 404 (objects a user may not see do not exist for them).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from rest_framework import renderers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.cmr.errors import CMRError


class UploadError(CMRError):
    """A CMRError about one named upload field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BinaryRenderer(renderers.BaseRenderer):
    """Lets views that return files (DICOM, float32 pixels, PNG, PDF) accept any ``Accept`` header.

    DRF negotiates the renderer before the view runs; with only the JSON renderer a browser asking for
    ``application/octet-stream`` would get a 406. Error bodies from these views are still JSON.
    """

    media_type = "*/*"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        return json.dumps(data).encode() if data is not None else b""


FILE_RENDERERS = [renderers.JSONRenderer, BinaryRenderer]


def exception_handler(exc, context):
    """DRF exception handler: the mapping above, then DRF's own for everything else."""
    if isinstance(exc, CMRError):
        body = {"detail": str(exc)}
        field = getattr(exc, "field", None)
        if field:
            body["field"] = field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        msgs = exc.messages if hasattr(exc, "messages") else [str(exc)]
        return Response({"detail": msgs[0] if msgs else "Invalid input."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Serializer field errors: flatten to one line a trainee understands, the field by its words, not its key.
        field, errors = next(iter(response.data.items()))
        msg = errors[0] if isinstance(errors, list) and errors else str(errors)
        label = str(field).replace("_", " ").strip().capitalize()
        response.data = {"detail": f"{label}: {msg}" if field != "non_field_errors" else str(msg), "field": field}
    return response
