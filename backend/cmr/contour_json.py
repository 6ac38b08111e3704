"""Read and write left-ventricle contours as JSON polygons (the viewer's upload and the draft format).

Format (``docs/api.md``, "Contours as JSON polygons")::

    {"endocardium": [[x, y], ...], "epicardium": [[x, y], ...]}

in image pixel coordinates: ``x`` = column, ``y`` = row, pixel centres at integers, the origin at the centre of
the top-left pixel (the convention of :mod:`backend.cmr.contours` and of the IDL SAV reader
:mod:`backend.cmr.sav`). Each polygon is implicitly closed (a closing point equal to the first is dropped) and
needs at least 3 distinct points. Other keys are ignored (``format``, ``case``...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .contours import ContourSet, as_polygon, validate_contour_set
from .errors import InvalidContourError

__all__ = ["MAX_POINTS", "contour_set_from_json", "contour_set_to_json", "parse_polygon", "read_contour_json"]

MAX_POINTS = 20_000
"""Most points accepted per polygon (a hand-drawn freehand contour has a few hundred)."""

WALLS = ("endocardium", "epicardium")


def parse_polygon(value: Any, name: str, *, max_points: int = MAX_POINTS) -> np.ndarray:
    """One polygon from JSON: a list of ``[x, y]`` pairs of finite numbers.

    Parameters
    ----------
    value : object
        The decoded JSON value.
    name : str
        ``"endocardium"`` or ``"epicardium"``, for messages.
    max_points : int
        Most points accepted.

    Returns
    -------
    ndarray, shape (N, 2), float64
        ``(x, y)`` pixel coordinates, not yet cleaned (see :func:`backend.cmr.contours.as_polygon`).

    Raises
    ------
    InvalidContourError
        Not a list, too many points, a point that is not two finite numbers.
    """
    if not isinstance(value, list):
        raise InvalidContourError(
            f"The {name} must be a list of [x, y] points (pixel coordinates, x = column, y = row); got {_kind(value)}."
        )
    if len(value) > max_points:
        raise InvalidContourError(f"The {name} has {len(value)} points; at most {max_points} are accepted.")
    out = np.empty((len(value), 2), dtype=np.float64)
    for i, p in enumerate(value):
        if (
            not isinstance(p, list)
            or len(p) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)
        ):
            raise InvalidContourError(
                f"Point {i + 1} of the {name} is {json.dumps(p)[:40]}; each point must be [x, y], two numbers."
            )
        if not (math.isfinite(p[0]) and math.isfinite(p[1])):
            raise InvalidContourError(f"Point {i + 1} of the {name} is not a finite number pair.")
        out[i] = p
    return out


def _kind(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return "true or false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def contour_set_from_json(
    obj: Any, *, image_shape: tuple[int, int] | None, validate: bool = True, source: str = "JSON polygons"
) -> ContourSet:
    """A contour set from a decoded JSON object ``{"endocardium": [...], "epicardium": [...]}``.

    Parameters
    ----------
    obj : object
        The decoded JSON document.
    image_shape : (rows, columns) or None
        Given (and ``validate``), the polygons are checked against the image
        (:func:`backend.cmr.contours.validate_contour_set`).
    validate : bool
    source : str
        Provenance kept in :attr:`ContourSet.source`.

    Returns
    -------
    ContourSet
        Both walls as ``(N, 2)`` float64 polygons in ``(x, y)`` pixel coordinates.

    Raises
    ------
    InvalidContourError
        Not an object, a wall missing, a malformed point, fewer than 3 distinct points, or a validation failure.
    """
    if not isinstance(obj, Mapping):
        raise InvalidContourError(
            'JSON contours must be an object {"endocardium": [[x, y], ...], "epicardium": [[x, y], ...]}; got '
            f"{_kind(obj)}."
        )
    missing = [w for w in WALLS if obj.get(w) is None]
    if missing:
        raise InvalidContourError(
            f"The JSON contours have no {' and no '.join(missing)}; both the endocardium and the epicardium are "
            'needed as lists of [x, y] points (keys "endocardium" and "epicardium").'
        )
    raw = [parse_polygon(obj[w], w) for w in WALLS]  # malformed points first, then too few points
    endo, epi = (as_polygon(pts, name=w) for pts, w in zip(raw, WALLS, strict=True))
    cs = ContourSet(endocardium=endo, epicardium=epi, source=source)
    if validate and image_shape is not None:
        validate_contour_set(cs, image_shape)
    return cs


def read_contour_json(
    data: bytes, *, image_shape: tuple[int, int] | None, validate: bool = True, name: str = "contours.json"
) -> ContourSet:
    """Parse JSON contour bytes (UTF-8) into a contour set.

    Parameters
    ----------
    data : bytes
        The file's content.
    image_shape : (rows, columns) or None
    validate : bool
    name : str
        The file name, for messages and provenance.

    Returns
    -------
    ContourSet

    Raises
    ------
    InvalidContourError
        Not UTF-8 JSON, or see :func:`contour_set_from_json`.
    """
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidContourError(
            f"The JSON contour file {name} cannot be read{where}: it is not valid JSON; expected "
            '{"endocardium": [[x, y], ...], "epicardium": [[x, y], ...]}.'
        ) from None
    return contour_set_from_json(obj, image_shape=image_shape, validate=validate, source=f"JSON polygons {name}")


def contour_set_to_json(endocardium: np.ndarray, epicardium: np.ndarray) -> dict[str, list[list[float]]]:
    """The JSON document of two polygons (rounded to 0.001 px).

    Parameters
    ----------
    endocardium, epicardium : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates.

    Returns
    -------
    dict
        ``{"endocardium": [[x, y], ...], "epicardium": [[x, y], ...]}``.
    """
    return {
        "endocardium": np.round(np.asarray(endocardium, dtype=float), 3).tolist(),
        "epicardium": np.round(np.asarray(epicardium, dtype=float), 3).tolist(),
    }
