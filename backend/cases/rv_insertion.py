"""Writes of a case's anterior RV insertion point: estimated from the image, set or confirmed by a supervisor.

The point anchors the AHA names of the six mid-ventricular segments (:mod:`backend.cmr.segments`). An estimate
(:func:`backend.cmr.rv_insertion.estimate_rv_insertion`) is stored unconfirmed and shown to the supervisor; only a
confirmed point reaches evaluations (``backend.submissions.services.evaluation_run``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from backend.cmr.contours import contour_set_from_bytes, wall_contours
from backend.cmr.dicom import image_from_bytes
from backend.cmr.rv_insertion import RVInsertionEstimate, estimate_rv_insertion
from backend.core.storage import file_read

from .models import Case, ReferenceContour, ReferenceKind


def _estimate_source(case: Case) -> ReferenceContour | None:
    """The contours an estimate is made from: the gold standard, else the first individual expert's."""
    for kind in (ReferenceKind.GOLD_STANDARD, ReferenceKind.EXPERT):
        ref = case.references.filter(kind=kind).order_by("-version", "id").select_related("contours_file").first()
        if ref is not None:
            return ref
    return None


def case_rv_insertion_estimate(*, case: Case) -> RVInsertionEstimate | None:
    """Estimate the RV insertion point of ``case`` and store it unconfirmed (a confirmed point is left alone).

    Returns
    -------
    RVInsertionEstimate or None
        None when the case has no gold-standard or expert contours with both walls, or its point is confirmed.
    """
    if case.rv_insertion_confirmed:
        return None
    ref = _estimate_source(case)
    if ref is None:
        return None
    shape = (case.rows, case.columns)
    endo, epi = wall_contours(contour_set_from_bytes(file_read(ref.contours_file)), shape)
    if endo is None or epi is None:
        return None
    image = image_from_bytes(file_read(case.image_file))
    est = estimate_rv_insertion(image.display_frame(), endo, epi, pixel_spacing_mm=image.pixel_spacing_mm)
    case.rv_insertion_x, case.rv_insertion_y = est.point
    case.rv_insertion_confirmed = False
    case.full_clean()
    case.save(update_fields=["rv_insertion_x", "rv_insertion_y", "rv_insertion_confirmed"])
    return est


@transaction.atomic
def case_rv_insertion_set(
    *, case: Case, point: tuple[float, float] | None = None, confirm: bool | None = None, clear: bool = False
) -> Case:
    """Set, confirm or clear the RV insertion point of a case.

    Parameters
    ----------
    case : Case
    point : (x, y) or None
        Pixel coordinates (x = column, y = row) within the image; a supervisor's point counts as confirmed.
    confirm : bool or None
        Without ``point``: True confirms the stored estimate, False withdraws a confirmation.
    clear : bool
        Remove the point (evaluations go back to numbered sectors).

    Raises
    ------
    ValidationError
        A point outside the image, or a confirmation with no point stored.
    """
    if clear:
        case.rv_insertion_x = case.rv_insertion_y = None
        case.rv_insertion_confirmed = False
    elif point is not None:
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= case.columns - 1 and 0.0 <= y <= case.rows - 1):
            raise ValidationError(
                f"The RV insertion point ({x:g}, {y:g}) lies outside the image: x must be 0 to {case.columns - 1} "
                f"and y 0 to {case.rows - 1} (pixels)."
            )
        case.rv_insertion_x, case.rv_insertion_y = x, y
        case.rv_insertion_confirmed = True if confirm is None else bool(confirm)
    elif confirm is not None:
        if confirm and case.rv_insertion_x is None:
            raise ValidationError("There is no RV insertion point to confirm: set one by clicking on the image.")
        case.rv_insertion_confirmed = bool(confirm)
    case.full_clean()
    case.save(update_fields=["rv_insertion_x", "rv_insertion_y", "rv_insertion_confirmed"])
    return case
