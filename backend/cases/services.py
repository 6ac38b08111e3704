"""Writes for datasets, cases and reference contours."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backend.accounts.models import Cohort, User
from backend.cmr.contours import ContourSet, contour_set_to_bytes
from backend.cmr.dicom import image_to_bytes
from backend.core.api import UploadError
from backend.core.storage import file_store, staged_files

from .ingest import IngestedImage, ingest_contours, ingest_image
from .models import Case, ConsensusSource, Dataset, FeedbackMode, ReferenceContour, ReferenceKind

TOLERANCE_FIELDS = (
    "tolerance_dice",
    "tolerance_t1_ms",
    "tolerance_t2_ms",
    "tolerance_t2star_percent",
    "tolerance_t2star_ms",
    "tolerance_wall_thickness_mm",
    "tolerance_hd95_mm",
)
"""The dataset settings that are tolerances (:meth:`backend.cases.models.Dataset.tolerances`)."""


def _check_tolerances(dataset: Dataset) -> None:
    try:
        dataset.tolerances()
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def dataset_create(
    *,
    user: User,
    name: str,
    description: str = "",
    cohorts: Sequence[Cohort] = (),
    consensus_source: str = ConsensusSource.GOLD_STANDARD,
    feedback_mode: str = FeedbackMode.REVEAL,
    accreditation_last_n: int = 3,
    accreditation_min_cases: int = 3,
    **tolerances: float | None,
) -> Dataset:
    """Create a dataset (supervisor only) and give it to cohorts the supervisor runs.

    ``tolerances``: any of :data:`TOLERANCE_FIELDS`; the others keep the defaults of
    :data:`backend.cmr.summary.DEFAULT_TOLERANCES`.
    """
    if not user.is_supervisor:
        raise ValidationError("Only supervisors create datasets.")
    unknown = set(tolerances) - set(TOLERANCE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown dataset setting {sorted(unknown)[0]!r}.")
    ds = Dataset(
        name=name.strip(),
        description=description,
        created_by=user,
        consensus_source=consensus_source,
        feedback_mode=feedback_mode,
        accreditation_last_n=accreditation_last_n,
        accreditation_min_cases=accreditation_min_cases,
        **tolerances,
    )
    _check_tolerances(ds)
    ds.full_clean()
    ds.save()
    ds.cohorts.set([c for c in cohorts if c.supervisor_id == user.pk])
    return ds


@transaction.atomic
def dataset_update(*, dataset: Dataset, cohorts: Sequence[Cohort] | None = None, **fields) -> Dataset:
    """Change a dataset's settings (name, description, consensus source, feedback mode, tolerances, cohorts)."""
    allowed = {
        "name",
        "description",
        "consensus_source",
        "feedback_mode",
        *TOLERANCE_FIELDS,
        "accreditation_last_n",
        "accreditation_min_cases",
    }
    for k, v in fields.items():
        if k not in allowed:
            raise ValidationError(f"Unknown dataset setting {k!r}.")
        setattr(dataset, k, v)
    _check_tolerances(dataset)
    dataset.full_clean()
    dataset.save()
    if cohorts is not None:
        dataset.cohorts.set([c for c in cohorts if c.supervisor_id == dataset.created_by_id])
    return dataset


def _store_reference(
    case: Case,
    kind: str,
    cs: ContourSet,
    upload: UploadedFile | None,
    *,
    rater: str = "",
    version: int = 1,
    contributors: Sequence[int] = (),
) -> ReferenceContour:
    src = None
    if upload is not None:
        upload.seek(0)
        src = file_store(
            upload.read(), content_type="application/octet-stream", download_name=f"case-{case.pk}-{kind}.sav"
        )
    ref = ReferenceContour(
        case=case,
        kind=kind,
        rater=rater,
        version=version,
        contributors=list(contributors),
        source_file=src,
        contours_file=file_store(contour_set_to_bytes(cs), content_type="application/x-npz"),
    )
    ref.full_clean()
    ref.save()
    return ref


def case_from_ingested(
    *, ing: IngestedImage, title: str, user: User, dataset: Dataset | None, owner: User | None
) -> Case:
    """Store an ingested image as a case (call inside ``staged_files()`` and ``transaction.atomic()``)."""
    img = ing.image
    case = Case(
        dataset=dataset,
        owner=owner,
        title=title.strip() or "Untitled case",
        image_kind=img.kind.value,
        rows=img.rows,
        columns=img.columns,
        pixel_spacing_dy_mm=img.pixel_spacing_mm[0],
        pixel_spacing_dx_mm=img.pixel_spacing_mm[1],
        echo_times_ms=list(img.echo_times_ms) if img.echo_times_ms else None,
        field_strength_t=img.field_strength_t,
        units=img.units,
        pixel_sha256=ing.pixel_sha256,
        patient_pseudonym=ing.patient_pseudonym,
        dicom_file=file_store(
            ing.dicom_bytes, content_type=ing.content_type, download_name=f"myoqa-case{ing.download_ext}"
        ),
        image_file=file_store(image_to_bytes(img), content_type="application/x-npz"),
        created_by=user,
    )
    case.full_clean()
    case.save()
    return case


def case_create(
    *,
    user: User,
    dataset: Dataset,
    title: str,
    image_files: Sequence[UploadedFile],
    gold_standard: UploadedFile | None = None,
    experts: Sequence[UploadedFile] = (),
) -> Case:
    """Create a training case: validate and de-identify the image, validate every contour file, store all.

    Parameters
    ----------
    user : User
        A supervisor who created the dataset.
    dataset : Dataset
    title : str
    image_files : DICOM file(s) or one zip
    gold_standard : SAV upload; required when the dataset's consensus source is the gold standard
    experts : further SAV uploads, one per individual expert

    Returns
    -------
    Case

    Raises
    ------
    UploadError, ValidationError
        Nothing is stored (no row, no file) when any part is refused.
    """
    if not user.is_supervisor or dataset.created_by_id != user.pk:
        raise Dataset.DoesNotExist
    ing = ingest_image(image_files)
    shape = (ing.image.rows, ing.image.columns)
    gold = None
    if gold_standard is not None:
        gold = ingest_contours(
            gold_standard,
            image_shape=shape,
            field="gold_standard",
            who="gold-standard contours",
            pixel_spacing_mm=ing.image.pixel_spacing_mm,
        )
    elif dataset.consensus_source == ConsensusSource.GOLD_STANDARD:
        raise UploadError(
            "This dataset uses the gold-standard consensus: please add the expert consensus SAV file.", "gold_standard"
        )
    expert_sets = [
        ingest_contours(
            f,
            image_shape=shape,
            field="experts",
            who=f"expert contours {f.name}",
            pixel_spacing_mm=ing.image.pixel_spacing_mm,
        )
        for f in experts
    ]
    with staged_files(), transaction.atomic():
        case = case_from_ingested(ing=ing, title=title, user=user, dataset=dataset, owner=None)
        if gold is not None:
            _store_reference(case, ReferenceKind.GOLD_STANDARD, gold, gold_standard, rater="expert consensus")
        for i, (f, cs) in enumerate(zip(experts, expert_sets, strict=True), 1):
            _store_reference(case, ReferenceKind.EXPERT, cs, f, rater=f"expert {i}")
    return case


def reference_store(
    *, case: Case, kind: str, contours: ContourSet, version: int, contributors: Sequence[int], rater: str = ""
) -> ReferenceContour:
    """Store a computed consensus (team average or automatic) as a new version of a case's reference."""
    with staged_files(), transaction.atomic():
        return _store_reference(case, kind, contours, None, rater=rater, version=version, contributors=contributors)
