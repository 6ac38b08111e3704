"""Evaluated submissions made directly from stored summaries (no image analysis): what the progress reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.cases.models import Case, Dataset
from backend.core.storage import file_store
from backend.submissions.models import EvaluationStatus, Submission

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_case(dataset: Dataset, title: str) -> Case:
    f = file_store(b"not an image", content_type="application/octet-stream")
    return Case.objects.create(
        dataset=dataset,
        created_by=dataset.created_by,
        title=title,
        image_kind="t1_map",
        rows=8,
        columns=8,
        pixel_spacing_dy_mm=1.0,
        pixel_spacing_dx_mm=1.0,
        units="ms",
        dicom_file=f,
        image_file=f,
    )


def make_attempt(trainee, case: Case, *, result: str, minutes: int, error_classes: list[dict] | None = None):
    """An evaluated submission of ``trainee`` on ``case`` with the stored verdict ``result``, ``minutes`` after T0."""
    f = file_store(b"contours", content_type="application/octet-stream")
    n = Submission.objects.filter(trainee=trainee, case=case).count() + 1
    s = Submission.objects.create(
        trainee=trainee,
        case=case,
        attempt=n,
        source_file=f,
        contours_file=f,
        status=EvaluationStatus.DONE,
        summary={
            "agreement": {"myocardium": {"dice": 0.9 if result == "within" else 0.7}},
            "verdict": {"result": result, "message": ""},
            "error_classes": error_classes or [],
        },
    )
    Submission.objects.filter(pk=s.pk).update(created_at=T0 + timedelta(minutes=minutes))
    s.refresh_from_db()
    return s
