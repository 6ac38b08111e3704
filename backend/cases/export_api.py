"""DICOM export of a case's reference (consensus) contours: ``GET /api/cases/{id}/reference.{seg|rtstruct}.dcm``."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.cmr.contours import contour_set_from_bytes
from backend.core.api import FILE_RENDERERS
from backend.core.storage import file_read

from . import selectors
from .api import _reference_shown
from .contour_export import contours_dicom, download_name

DICOM_SCHEMA = extend_schema(
    parameters=[
        OpenApiParameter(
            "fmt",
            str,
            OpenApiParameter.PATH,
            enum=["seg", "rtstruct"],
            description="seg: DICOM Segmentation; rtstruct: RT Structure Set",
        )
    ],
    responses={
        (200, "application/dicom"): OpenApiResponse(OpenApiTypes.BINARY, description="the DICOM file, as a download"),
        404: OpenApiResponse(description="not visible to this user"),
    },
)
"""The OpenAPI description of a DICOM contour download (``{fmt}`` is ``seg`` or ``rtstruct``)."""


def dicom_attachment(data: bytes, filename: str) -> HttpResponse:
    """A DICOM file as a download (``application/dicom``)."""
    resp = HttpResponse(data, content_type="application/dicom")
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


class CaseReferenceDicomView(APIView):
    """The consensus the user may see drawn (the same rule as ``GET /api/cases/{id}/reference``), as DICOM."""

    renderer_classes = FILE_RENDERERS

    @DICOM_SCHEMA
    def get(self, request, case_id: int, fmt: str):
        c = selectors.case_get(user=request.user, case_id=case_id)
        ref = _reference_shown(c, request.user)
        if ref is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        cs = contour_set_from_bytes(file_read(ref.contours_file))
        model = ref.evaluations.filter(consensus_model__isnull=False).values_list("consensus_model__version", flat=True)
        algorithm = f"MyoQA consensus CNN {model[0]}" if ref.kind == "automatic" and model else None
        data = contours_dicom(
            case=c,
            cs=cs,
            fmt=fmt,
            description=f"MyoQA consensus ({ref.get_kind_display()}, version {ref.version})",
            algorithm=algorithm,
        )
        return dicom_attachment(data, download_name(case=c, what=f"reference-v{ref.version}", fmt=fmt))
