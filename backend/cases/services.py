"""Writes for datasets, cases and reference contours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backend.accounts.models import Cohort, User
from backend.cmr.contours import ContourSet, contour_set_from_bytes, contour_set_to_bytes
from backend.cmr.dicom import image_to_bytes
from backend.core.api import UploadError
from backend.core.storage import file_read, file_store, staged_files

from .ingest import IngestedImage, contour_download_ext, image_geometry, ingest_contours, ingest_image, pixel_hash
from .models import Case, ConsensusSource, Dataset, FeedbackMode, ReferenceContour, ReferenceKind
from .repeat import RepeatTransform, repeat_dicom, transform_contours

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
        "archived",
    }
    for k, v in fields.items():
        if k not in allowed:
            raise ValidationError(f"Unknown dataset setting {k!r}.")
        if k == "archived":
            dataset.archived_at = (dataset.archived_at or timezone.now()) if v else None
            continue
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
        raw = upload.read()
        src = file_store(
            raw,
            content_type="application/octet-stream",
            download_name=f"case-{case.pk}-{kind}{contour_download_ext(raw)}",
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

    def geometry():  # read only for a DICOM SEG / RTSTRUCT upload
        return image_geometry(ing.dicom_bytes)

    gold = None
    if gold_standard is not None:
        gold = ingest_contours(
            gold_standard,
            image_shape=shape,
            field="gold_standard",
            who="gold-standard contours",
            pixel_spacing_mm=ing.image.pixel_spacing_mm,
            geometry=geometry,
        )
    elif dataset.consensus_source == ConsensusSource.GOLD_STANDARD:
        raise UploadError(
            "This dataset uses the gold-standard consensus: please add the expert consensus SAV file.", "gold_standard"
        )
    if dataset.consensus_source == ConsensusSource.EXPERT_CONSENSUS and len(experts) < 2:
        raise UploadError(
            "This dataset uses the expert consensus (STAPLE of the experts' contours): please add at least two "
            f"experts' contour files (got {len(experts)}).",
            "experts",
        )
    expert_sets = [
        ingest_contours(
            f,
            image_shape=shape,
            field="experts",
            who=f"expert contours {f.name}",
            pixel_spacing_mm=ing.image.pixel_spacing_mm,
            geometry=geometry,
        )
        for f in experts
    ]
    with staged_files(), transaction.atomic():
        case = case_from_ingested(ing=ing, title=title, user=user, dataset=dataset, owner=None)
        if gold is not None:
            _store_reference(case, ReferenceKind.GOLD_STANDARD, gold, gold_standard, rater="expert consensus")
        for i, (f, cs) in enumerate(zip(experts, expert_sets, strict=True), 1):
            _store_reference(case, ReferenceKind.EXPERT, cs, f, rater=f"expert {i}")
        if dataset.consensus_source == ConsensusSource.EXPERT_CONSENSUS:
            from .expert_consensus import expert_consensus_current

            expert_consensus_current(case)  # fused now, so the supervisor sees each expert's reliability at once
    return case


def reference_store(
    *, case: Case, kind: str, contours: ContourSet, version: int, contributors: Sequence[int], rater: str = ""
) -> ReferenceContour:
    """Store a computed consensus (team average or automatic) as a new version of a case's reference."""
    with staged_files(), transaction.atomic():
        return _store_reference(case, kind, contours, None, rater=rater, version=version, contributors=contributors)


REPEATED_REFERENCE_KINDS = (ReferenceKind.GOLD_STANDARD, ReferenceKind.EXPERT)
"""The references a repeat takes from its original (a team or automatic consensus is made per case)."""


def case_repeat_create(
    *,
    user: User,
    case: Case,
    title: str,
    transform: str = RepeatTransform.NONE,
    available_at: datetime | None = None,
    after_cases: int | None = None,
) -> Case:
    """Make a hidden repeat of a case: the same pixels under another title, new UIDs, optionally turned.

    Parameters
    ----------
    user : User
        The supervisor who created the case's dataset.
    case : Case
        The original (not itself a repeat, not a practice case).
    title : str
        What trainees see; it must differ from the original's.
    transform : RepeatTransform value
        Rotation or flip of the pixels; the gold-standard and expert contours are turned the same way.
    available_at : datetime or None
        Shown to trainees from then on.
    after_cases : int or None
        Shown to a trainee once they have submitted to the original and, after that, to this many other cases of
        the dataset.

    Returns
    -------
    Case

    Raises
    ------
    Case.DoesNotExist
        ``user`` did not create the case's dataset.
    ValidationError
        A repeat of a repeat or of a practice case, or the original's title.
    """
    if not user.is_supervisor or case.dataset is None or case.dataset.created_by_id != user.pk:
        raise Case.DoesNotExist
    if case.repeat_of_id is not None:
        raise ValidationError("This case is itself a repeat: make the repeat from its original.")
    title = title.strip()
    if not title:
        raise ValidationError("Give the repeat a title of its own (trainees see it as a new case).")
    if title.lower() == case.title.strip().lower():
        raise ValidationError("Give the repeat another title than the original's, or trainees will recognise it.")
    transform = RepeatTransform(transform)
    dicom_bytes, image = repeat_dicom(file_read(case.dicom_file), case.dicom_file.content_type, transform)
    shape = (case.rows, case.columns)
    with staged_files(), transaction.atomic():
        repeat = Case(
            dataset=case.dataset,
            owner=None,
            title=title,
            image_kind=image.kind.value,
            rows=image.rows,
            columns=image.columns,
            pixel_spacing_dy_mm=image.pixel_spacing_mm[0],
            pixel_spacing_dx_mm=image.pixel_spacing_mm[1],
            echo_times_ms=list(image.echo_times_ms) if image.echo_times_ms else None,
            field_strength_t=image.field_strength_t,
            units=image.units,
            pixel_sha256=pixel_hash(image),
            patient_pseudonym=case.patient_pseudonym,
            dicom_file=file_store(
                dicom_bytes,
                content_type=case.dicom_file.content_type,
                download_name=case.dicom_file.download_name,
            ),
            image_file=file_store(image_to_bytes(image), content_type="application/x-npz"),
            repeat_of=case,
            repeat_transform=transform.value,
            repeat_available_at=available_at,
            repeat_after_cases=after_cases,
            created_by=user,
        )
        repeat.full_clean()
        repeat.save()
        for ref in case.references.filter(kind__in=REPEATED_REFERENCE_KINDS).select_related("contours_file"):
            cs = transform_contours(contour_set_from_bytes(file_read(ref.contours_file)), transform, shape)
            _store_reference(repeat, ref.kind, cs, None, rater=ref.rater, version=ref.version)
    return repeat


@transaction.atomic
def case_update(*, case: Case, title: str | None = None, archived: bool | None = None) -> Case:
    """Change a case's title, or archive it (hidden from trainees, kept in reports and exports) or bring it back.

    Parameters
    ----------
    case : Case
        A case of a dataset (the caller checked that the requester manages it).
    title : str, optional
        The new title (not blank).
    archived : bool, optional
        True archives the case (the first archiving time is kept), False brings it back.

    Returns
    -------
    Case

    Raises
    ------
    ValidationError
        A blank title.
    """
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": "Give the case a title."})
        case.title = title.strip()
    if archived is not None:
        case.archived_at = (case.archived_at or timezone.now()) if archived else None
    case.full_clean()
    case.save()
    return case


def case_reference_replace(
    *, user: User, case: Case, gold_standard: UploadedFile | None = None, experts: Sequence[UploadedFile] = ()
) -> list[ReferenceContour]:
    """Replace a case's gold-standard and/or expert contours with new versions; the old versions are kept.

    Each new contour file is read by the same path as a new case's (:func:`backend.cases.ingest.ingest_contours`);
    a new gold standard becomes version N + 1 of the case's gold standard (the consensus a new evaluation uses), new
    expert contours become expert set N + 1 (replacing the whole set). Evaluations already made keep the version
    they used; re-evaluating them is the caller's next step.

    Parameters
    ----------
    user : User
        The supervisor who created the case's dataset.
    case : Case
    gold_standard : UploadedFile, optional
    experts : sequence of UploadedFile
        The new expert set (one file per expert).

    Returns
    -------
    list of ReferenceContour
        The rows stored (the gold standard first).

    Raises
    ------
    Case.DoesNotExist
        ``user`` does not manage the case.
    UploadError
        No file, or a file refused by the contour reader; nothing is stored.
    """
    if not user.is_supervisor or case.dataset is None or case.dataset.created_by_id != user.pk:
        raise Case.DoesNotExist
    if gold_standard is None and not experts:
        raise UploadError("Add the new gold-standard contours or the new expert contours.", "gold_standard")
    shape = (case.rows, case.columns)
    spacing = (case.pixel_spacing_dy_mm, case.pixel_spacing_dx_mm)

    def geometry():  # the stored image, read only for a DICOM SEG / RTSTRUCT upload
        return image_geometry(file_read(case.dicom_file))

    gold = None
    if gold_standard is not None:
        gold = ingest_contours(
            gold_standard,
            image_shape=shape,
            field="gold_standard",
            who="gold-standard contours",
            pixel_spacing_mm=spacing,
            geometry=geometry,
        )
    expert_sets = [
        ingest_contours(
            f,
            image_shape=shape,
            field="experts",
            who=f"expert contours {f.name}",
            pixel_spacing_mm=spacing,
            geometry=geometry,
        )
        for f in experts
    ]
    stored = []
    with staged_files(), transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # one replacement of a case at a time

        def next_version(kind: str) -> int:
            return (case.references.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1

        if gold is not None:
            v = next_version(ReferenceKind.GOLD_STANDARD)
            stored.append(
                _store_reference(
                    case, ReferenceKind.GOLD_STANDARD, gold, gold_standard, rater="expert consensus", version=v
                )
            )
        if expert_sets:
            v = next_version(ReferenceKind.EXPERT)
            for i, (f, cs) in enumerate(zip(experts, expert_sets, strict=True), 1):
                stored.append(_store_reference(case, ReferenceKind.EXPERT, cs, f, rater=f"expert {i}", version=v))
    return stored
