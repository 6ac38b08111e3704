"""DICOM export of a submission's contours and of the consensus it was evaluated against (thin views).

``GET /api/submissions/{id}/contours.{seg|rtstruct}.dcm`` (the trainee's own contours: the trainee, or a supervisor
of the dataset) and ``GET /api/submissions/{id}/consensus.{seg|rtstruct}.dcm`` (only when the consensus may be shown
drawn, the rule of the feedback page).
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.cases.contour_export import contours_dicom, download_name
from backend.cases.export_api import DICOM_SCHEMA, dicom_attachment
from backend.cmr.contours import contour_set_from_bytes
from backend.core.api import FILE_RENDERERS
from backend.core.storage import file_read

from . import selectors
from .api import consensus_shown


class SubmissionContoursDicomView(APIView):
    renderer_classes = FILE_RENDERERS

    @DICOM_SCHEMA
    def get(self, request, submission_id: int, fmt: str):
        s = selectors.submission_get(user=request.user, submission_id=submission_id)
        cs = contour_set_from_bytes(file_read(s.contours_file))
        data = contours_dicom(case=s.case, cs=cs, fmt=fmt, description=f"MyoQA trainee contours, attempt {s.attempt}")
        return dicom_attachment(data, download_name(case=s.case, what=f"attempt-{s.attempt}", fmt=fmt))


class SubmissionConsensusDicomView(APIView):
    renderer_classes = FILE_RENDERERS

    @DICOM_SCHEMA
    def get(self, request, submission_id: int, fmt: str):
        s = selectors.submission_get(user=request.user, submission_id=submission_id)
        if s.reference is None or not consensus_shown(s, request.user):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        ref = s.reference
        algorithm = f"MyoQA consensus CNN {s.consensus_model.version}" if s.consensus_model is not None else None
        data = contours_dicom(
            case=s.case,
            cs=contour_set_from_bytes(file_read(ref.contours_file)),
            fmt=fmt,
            description=f"MyoQA consensus ({ref.get_kind_display()}, version {ref.version})",
            algorithm=algorithm,
        )
        return dicom_attachment(data, download_name(case=s.case, what=f"attempt-{s.attempt}-consensus", fmt=fmt))
