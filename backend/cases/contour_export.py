"""DICOM export of contours on a case's image: SEG (highdicom) and RTSTRUCT (pydicom), through the analysis core.

The files reference the case's stored image, i.e. the de-identified Study, Series, SOP Instance and Frame of
Reference UIDs that ``GET /api/cases/{id}/dicom`` serves, so a viewer (OHIF, 3D Slicer) that loads both overlays
them. The writers are :func:`backend.cmr.dicom_contours.seg_bytes` and
:func:`backend.cmr.dicom_contours.rtstruct_bytes`.
"""

from __future__ import annotations

from enum import Enum

from backend.cmr.contours import ContourSet, lv_regions, wall_contours
from backend.cmr.dicom_contours import rtstruct_bytes, seg_bytes
from backend.cmr.errors import InvalidContourError
from backend.core.storage import file_read

from .ingest import image_geometry
from .models import Case


class ContourFormat(str, Enum):
    """The DICOM contour formats MyoQA writes."""

    SEG = "seg"
    RTSTRUCT = "rtstruct"


def contours_dicom(
    *,
    case: Case,
    cs: ContourSet,
    fmt: ContourFormat | str,
    description: str,
    algorithm: str | None = None,
    fractional: bool = True,
) -> bytes:
    """One rater's contours on ``case``'s image as a DICOM SEG or RTSTRUCT file.

    Parameters
    ----------
    case : Case
    cs : ContourSet
        The stored (validated) contour set; a mask-only set is traced to sub-pixel contours for an RTSTRUCT.
    fmt : ContourFormat or str
        ``"seg"`` (segments Myocardium and Left ventricle cavity) or ``"rtstruct"`` (ROIs Endocardium, Epicardium).
    description : str
        Series Description (e.g. "MyoQA trainee contours, attempt 2").
    algorithm : str, optional
        The model of an automatic consensus (the SEG's segments are then AUTOMATIC, the RTSTRUCT's ROIs too).
    fractional : bool
        SEG only: FRACTIONAL (OCCUPANCY) from the polygons when the set has them (default), else BINARY.

    Returns
    -------
    bytes
        The DICOM file.

    Raises
    ------
    InvalidContourError
        The contour set has no wall to export (an empty region).
    """
    fmt = ContourFormat(fmt)
    geometry = image_geometry(file_read(case.dicom_file))
    shape = (case.rows, case.columns)
    regions = lv_regions(cs, shape)
    endo, epi = wall_contours(cs, shape, regions=regions)
    if fmt is ContourFormat.SEG:
        return seg_bytes(
            geometry,
            myocardium=regions.myocardium,
            cavity=regions.cavity,
            endocardium=cs.endocardium if cs.has_polygons else None,
            epicardium=cs.epicardium if cs.has_polygons else None,
            fractional=fractional,
            series_description=description,
            algorithm=algorithm,
        )
    if endo is None or epi is None:
        raise InvalidContourError("These contours have no endocardium or epicardium to export as an RTSTRUCT.")
    return rtstruct_bytes(
        geometry,
        endocardium=endo,
        epicardium=epi,
        series_description=description,
        generation="AUTOMATIC" if algorithm else "MANUAL",
    )


def download_name(*, case: Case, what: str, fmt: ContourFormat | str) -> str:
    """The file name of an export, e.g. ``myoqa-case-3-attempt-2.seg.dcm``."""
    return f"myoqa-case-{case.pk}-{what}.{ContourFormat(fmt).value}.dcm"
