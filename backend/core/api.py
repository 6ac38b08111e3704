"""The API edge: one mapping from errors to responses (architecture convention 13).

* :class:`backend.cmr.errors.CMRError` (bad input a user can fix) -> 400 ``{"detail": message, "field": ...}``;
* Django ``ValidationError`` -> 400 with its first message;
* ``Http404`` / ``PermissionDenied`` from selectors -> 404 (objects a user may not see do not exist for them);
* a body that cannot be parsed -> 400 "The request body could not be read: ...";
* serializer errors -> 400 with the first message, prefixed by the field in words (nested errors included).

Every query string and request body is parsed by a serializer before a view uses it (:func:`validated`), so a
malformed input is a 400 naming its field, never a 500: :class:`IdField` for object ids (bounded to what the
database can hold), and a body that is not a JSON object is refused before any field is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.cmr.errors import CMRError

MAX_ID = 2**63 - 1
"""The largest id a database primary key (bigint) holds."""


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


class IdField(serializers.IntegerField):
    """An object's id: a whole number from 1 to :data:`MAX_ID` ("abc", 1.5, -1, 10**30 are refused by name)."""

    def __init__(self, *, what: str = "object", example: str = "3", **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        messages = {
            "invalid": f"Give the {what} by its number (e.g. {example}).",
            "max_string_length": f"Give the {what} by its number (e.g. {example}).",
            "min_value": f"There is no {what} with that number.",
            "max_value": f"There is no {what} with that number.",
            "null": f"Give the {what} by its number (e.g. {example}).",
            "required": f"Say which {what} (its number, e.g. {example}).",
        }
        kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)


def _kind(data: object) -> str:
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true or false"
    if isinstance(data, (list, tuple)):
        return "a list"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, (int, float)):
        return "a number"
    return type(data).__name__


def validated(
    serializer_class: type[serializers.Serializer],
    data: object,
    *,
    partial: bool = False,
    context: dict | None = None,
    what: str = "The request body",
) -> dict[str, Any]:
    """The validated data of ``data`` (a request body or query string) per ``serializer_class``.

    Raises
    ------
    rest_framework.exceptions.ValidationError
        ``data`` is not an object (JSON ``null``, a list, a string, a number) or a field is invalid; the exception
        handler makes it a 400 ``{"detail": sentence, "field": name}``.
    """
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError(
            {"non_field_errors": [f"{what} must be a JSON object of named fields, not {_kind(data)}."]}
        )
    s = serializer_class(data=data, partial=partial, context=context or {})
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _first_message(errors: object) -> tuple[list[str], str]:
    """The path (keys) to the first message of a (nested) DRF error structure, and that message."""
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            path, msg = _first_message(value)
            return [str(key), *path], msg
        return [], "Invalid input."
    if isinstance(errors, (list, tuple)):
        for value in errors:
            if value in ({}, [], None):
                continue  # a list field's valid items
            return _first_message(value)
        return [], "Invalid input."
    return [], str(errors)


def _as_sentence(text: str) -> str:
    t = text.strip()
    if not t:
        return "Invalid input."
    t = t[0].upper() + t[1:]
    return t if t[-1] in ".?!" else t + "."


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
        body = {"detail": msgs[0] if msgs else "Invalid input."}
        if hasattr(exc, "error_dict") and exc.error_dict and next(iter(exc.error_dict)) != "__all__":
            body["field"] = next(iter(exc.error_dict))
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ParseError):
        reason = str(exc.detail).split(" - ", 1)[-1].strip().rstrip(".")
        return Response(
            {"detail": f"The request body could not be read: {reason}."}, status=status.HTTP_400_BAD_REQUEST
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, dict) and "detail" not in response.data:
        # Serializer field errors: flatten to one line a trainee understands, the field by its words, not its key.
        path, msg = _first_message(response.data)
        field = path[0] if path else "non_field_errors"
        label = str(field).replace("_", " ").strip().capitalize()
        msg = _as_sentence(msg)
        response.data = {"detail": f"{label}: {msg}" if field != "non_field_errors" else msg, "field": field}
    elif isinstance(response.data, list):  # a serializer error raised as a list
        _, msg = _first_message(response.data)
        response.data = {"detail": _as_sentence(msg)}
    return response
