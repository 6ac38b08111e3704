"""Dataset and case endpoints (thin: parse, authorise, call one service/selector)."""

from __future__ import annotations

import re

import numpy as np
from django.db import transaction
from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors as account_selectors
from backend.accounts.models import Cohort
from backend.cmr.contours import contour_set_from_bytes, contour_set_polygons
from backend.cmr.dicom import image_from_bytes
from backend.cmr.summary import DEFAULT_TOLERANCES
from backend.core.api import FILE_RENDERERS, IdField, validated
from backend.core.storage import file_path, file_read
from backend.progress import deletion
from backend.submissions import services as submission_services

from . import expert_agreement, selectors, services
from . import rv_insertion as rv
from .models import ConsensusSource, Dataset, FeedbackMode, ReferenceKind
from .repeat import RepeatTransform
from .serializers import ExpertAgreementSerializer
from .services import TOLERANCE_FIELDS


def automatic_consensus_available() -> bool:
    """True when a consensus CNN model is active (a supervisor activated one after seeing its model card)."""
    from backend.cnn.selectors import active_model

    return active_model() is not None


def dataset_out(d: Dataset) -> dict:
    return {
        "id": d.pk,
        "name": d.name,
        "description": d.description,
        "cohort_ids": sorted(c.pk for c in d.cohorts.all()),
        "n_cases": d.cases.count(),
        "consensus_source": d.consensus_source,
        "automatic_consensus_available": automatic_consensus_available(),
        "feedback_mode": d.feedback_mode,
        **{f: getattr(d, f) for f in TOLERANCE_FIELDS},
        "accreditation_last_n": d.accreditation_last_n,
        "accreditation_min_cases": d.accreditation_min_cases,
        "archived": d.archived_at is not None,
    }


def case_out(c, user) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "dataset_id": c.dataset_id,
        "dataset_name": c.dataset.name if c.dataset else None,
        "created_at": c.created_at,
        "practice": c.dataset_id is None,
        "archived": c.archived_at is not None,
        "image": {
            "kind": c.image_kind,
            "rows": c.rows,
            "columns": c.columns,
            "pixel_spacing_mm": [c.pixel_spacing_dy_mm, c.pixel_spacing_dx_mm],
            "echo_times_ms": c.echo_times_ms,
            "field_strength_t": c.field_strength_t,
            "units": c.units,
        },
        "n_expert_contours": len(selectors.current_expert_set(c.references.filter(kind=ReferenceKind.EXPERT))),
        "my_attempts": c.submissions.filter(trainee=user).count() if user.is_trainee else c.submissions.count(),
        "reference_available": _reference_shown(c, user) is not None,
        "rv_insertion": _rv_insertion_out(c, user),
        "expert_consensus": _expert_consensus_out(c, user),
        **_repeat_out(c, user),
    }


def _expert_consensus_out(c, user) -> dict | None:
    """The expert consensus (STAPLE) with each expert's sensitivity and specificity, for the supervisor who manages
    the case's dataset; None for everyone else and for cases without one."""
    if not user.is_supervisor or c.dataset is None or c.dataset.created_by_id != user.pk:
        return None
    from .expert_consensus import expert_consensus_out

    return expert_consensus_out(c)


def _repeat_out(c, user) -> dict:
    """What a supervisor sees of a repeat case (a trainee gets nothing: the repeat is never named to them)."""
    if not user.is_supervisor:
        return {}
    return {
        "repeat_of": None if c.repeat_of_id is None else {"id": c.repeat_of_id, "title": c.repeat_of.title},
        "repeat_transform": c.repeat_transform or None,
        "repeat_available_at": c.repeat_available_at,
        "repeat_after_cases": c.repeat_after_cases,
    }


def _rv_insertion_out(c, user) -> dict | None:
    """The case's RV insertion point for the supervisor who manages its dataset, who may change it (``x``, ``y``
    None when not set); None for everyone else (a point of the reference epicardium: never for trainees)."""
    if not user.is_supervisor or c.dataset is None or c.dataset.created_by_id != user.pk:
        return None
    return {"x": c.rv_insertion_x, "y": c.rv_insertion_y, "confirmed": c.rv_insertion_confirmed}


def _reference_shown(c, user):
    """The consensus of case ``c`` that ``user`` may see drawn as contours now, or None."""
    if not selectors.reference_visible(user=user, case=c):
        return None
    ref = selectors.current_reference(case=c, user=user)
    return ref if ref is not None and selectors.team_consensus_shown(user=user, reference=ref) else None


def _tolerance(limit: float, **kw) -> serializers.FloatField:
    return serializers.FloatField(min_value=0.0, max_value=limit, **kw)


class DatasetIn(serializers.Serializer):
    """A dataset's settings; ``cohort_ids`` must name cohorts the requesting supervisor runs (context ``user``)."""

    name = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    cohort_ids = serializers.ListField(child=IdField(what="cohort"), required=False, default=list, max_length=1000)
    consensus_source = serializers.ChoiceField(choices=ConsensusSource.choices, default=ConsensusSource.GOLD_STANDARD)
    feedback_mode = serializers.ChoiceField(choices=FeedbackMode.choices, default=FeedbackMode.REVEAL)
    tolerance_dice = _tolerance(1.0, default=DEFAULT_TOLERANCES.dice)
    tolerance_t1_ms = _tolerance(10_000.0, default=DEFAULT_TOLERANCES.t1_ms)
    tolerance_t2_ms = _tolerance(10_000.0, default=DEFAULT_TOLERANCES.t2_ms)
    tolerance_t2star_percent = _tolerance(1000.0, default=DEFAULT_TOLERANCES.t2star_percent, allow_null=True)
    tolerance_t2star_ms = _tolerance(10_000.0, default=DEFAULT_TOLERANCES.t2star_ms, allow_null=True)
    tolerance_wall_thickness_mm = _tolerance(100.0, default=DEFAULT_TOLERANCES.wall_thickness_mm)
    tolerance_hd95_mm = _tolerance(1000.0, default=DEFAULT_TOLERANCES.hd95_mm, allow_null=True)
    accreditation_last_n = serializers.IntegerField(default=3, min_value=1, max_value=1000)
    accreditation_min_cases = serializers.IntegerField(default=3, min_value=1, max_value=1000)
    archived = serializers.BooleanField(required=False, help_text="archive (hide from trainees) or bring back")

    def validate_cohort_ids(self, ids: list[int]) -> list[Cohort]:
        """The supervisor's cohorts of these ids; an id that is not one of theirs is refused (not dropped)."""
        mine = {c.pk: c for c in account_selectors.cohort_list(user=self.context["user"]).filter(pk__in=ids)}
        missing = [i for i in dict.fromkeys(ids) if i not in mine]
        if missing:
            raise serializers.ValidationError(f"You run no cohort with the number {missing[0]}.")
        return [mine[i] for i in dict.fromkeys(ids)]


class CaseIn(serializers.Serializer):
    """The fields of a new case besides its files (``image``, ``gold_standard``, ``experts``, multipart)."""

    dataset = IdField(
        what="dataset",
        error_messages={
            "required": "Choose the dataset the case belongs to.",
            "null": "Choose the dataset the case belongs to.",
        },
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


_AFTER_N_CASES = re.compile(r"^\s*after\s+(\d{1,4})\s+(?:other\s+)?cases?\s*$", re.IGNORECASE)


class RepeatIn(serializers.Serializer):
    """A hidden repeat of a case: its title, how its image is turned, and when trainees get it."""

    title = serializers.CharField(max_length=200)
    transform = serializers.ChoiceField(choices=RepeatTransform.choices, default=RepeatTransform.NONE)
    available_after = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=64,
        help_text='a date and time (ISO 8601), or "after N other cases"',
    )

    def validate_available_after(self, value: str | None) -> dict:
        """``{"available_at": datetime | None, "after_cases": int | None}``."""
        if value is None or not value.strip():
            return {"available_at": None, "after_cases": None}
        m = _AFTER_N_CASES.match(value)
        if m:
            return {"available_at": None, "after_cases": int(m.group(1))}
        try:
            when = serializers.DateTimeField().to_internal_value(value.strip())
        except serializers.ValidationError:
            raise serializers.ValidationError(
                'Give a date and time (e.g. 2026-12-24T09:00:00Z) or "after N other cases".'
            ) from None
        return {"available_at": when, "after_cases": None}


class CaseRvInsertionIn(serializers.Serializer):
    """A supervisor's change to a case's RV insertion point (PATCH /api/cases/{id}).

    ``rv_insertion``: ``[x, y]`` in pixels (x = column, y = row), set and confirmed; ``null`` removes it.
    ``rv_insertion_confirmed``: true confirms the stored estimate, false withdraws the confirmation.
    """

    rv_insertion = serializers.ListField(
        child=serializers.FloatField(allow_null=False),
        min_length=2,
        max_length=2,
        allow_null=True,
        required=False,
        error_messages={
            "min_length": "Give the RV insertion point as [x, y] in pixels.",
            "max_length": "Give the RV insertion point as [x, y] in pixels.",
            "not_a_list": "Give the RV insertion point as [x, y] in pixels.",
        },
    )
    rv_insertion_confirmed = serializers.BooleanField(required=False)
    title = serializers.CharField(max_length=200, required=False, help_text="the case's new title")
    archived = serializers.BooleanField(required=False, help_text="archive (hide from trainees) or bring back")

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError(
                "Say what to change: title, archived, rv_insertion ([x, y]) or rv_insertion_confirmed."
            )
        return attrs


class ReferenceVersionSerializer(serializers.Serializer):
    """One stored version of a case's gold standard or expert contours, and how many evaluations used it."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReferenceKind.choices)
    version = serializers.IntegerField()
    rater = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="the version new evaluations use (or the current expert set)")
    n_evaluations = serializers.IntegerField(help_text="submissions whose current result used this version")


class DeletedSerializer(serializers.Serializer):
    """What a deletion removed."""

    deleted = serializers.BooleanField()
    files_deleted = serializers.IntegerField(help_text="stored files removed from the media store")


class ReferenceReplacedSerializer(serializers.Serializer):
    """The versions stored by a replacement and the submissions queued for re-evaluation."""

    references = ReferenceVersionSerializer(many=True)
    reevaluations_queued = serializers.ListField(child=serializers.IntegerField())


class DatasetListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([dataset_out(d) for d in selectors.dataset_list(user=request.user)])

    @extend_schema(request=DatasetIn, responses={201: dict})
    def post(self, request):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors create datasets."}, status=status.HTTP_403_FORBIDDEN)
        v = validated(DatasetIn, request.data, context={"user": request.user})
        v.pop("archived", None)
        d = services.dataset_create(user=request.user, cohorts=v.pop("cohort_ids"), **v)
        return Response(dataset_out(d), status=status.HTTP_201_CREATED)


class DatasetDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, dataset_id: int):
        return Response(dataset_out(selectors.dataset_get(user=request.user, dataset_id=dataset_id)))

    @extend_schema(request=DatasetIn, responses={200: dict})
    def patch(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id, manage=True)
        v = validated(DatasetIn, request.data, partial=True, context={"user": request.user})
        d = services.dataset_update(dataset=d, cohorts=v.pop("cohort_ids", None), **v)
        return Response(dataset_out(d))

    @extend_schema(responses={200: DeletedSerializer})
    def delete(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id, manage=True)
        n = deletion.dataset_delete(user=request.user, dataset=d)
        return Response(DeletedSerializer({"deleted": True, "files_deleted": n}).data)


class DatasetExpertAgreementView(APIView):
    @extend_schema(responses={200: ExpertAgreementSerializer})
    def get(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id, manage=True)
        return Response(ExpertAgreementSerializer(expert_agreement.dataset_expert_agreement(dataset=d)).data)


class DatasetCasesView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id)
        return Response([case_out(c, request.user) for c in selectors.case_list(user=request.user).filter(dataset=d)])


class CaseListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([case_out(c, request.user) for c in selectors.case_list(user=request.user)])

    @extend_schema(request=CaseIn, responses={201: dict})
    def post(self, request):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors create cases."}, status=status.HTTP_403_FORBIDDEN)
        v = validated(CaseIn, request.data)
        d = selectors.dataset_get(user=request.user, dataset_id=v["dataset"], manage=True)
        case = services.case_create(
            user=request.user,
            dataset=d,
            title=v["title"],
            image_files=request.FILES.getlist("image"),
            gold_standard=request.FILES.get("gold_standard"),
            experts=request.FILES.getlist("experts"),
        )
        rv.case_rv_insertion_estimate(case=case)  # shown to the supervisor for confirmation
        return Response(case_out(case, request.user), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, case_id: int):
        return Response(case_out(selectors.case_get(user=request.user, case_id=case_id), request.user))

    @extend_schema(request=CaseRvInsertionIn, responses={200: dict})
    def patch(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors change a case."}, status=status.HTTP_403_FORBIDDEN)
        if c.dataset is None or c.dataset.created_by_id != request.user.pk:
            raise c.DoesNotExist
        v = validated(CaseRvInsertionIn, request.data)
        if "title" in v or "archived" in v:
            c = services.case_update(case=c, title=v.get("title"), archived=v.get("archived"))
        if "rv_insertion" in v or "rv_insertion_confirmed" in v:
            point = v.get("rv_insertion")
            c = rv.case_rv_insertion_set(
                case=c,
                point=tuple(point) if point else None,
                confirm=v.get("rv_insertion_confirmed"),
                clear="rv_insertion" in v and point is None,
            )
        return Response(case_out(c, request.user))

    @extend_schema(responses={200: DeletedSerializer})
    def delete(self, request, case_id: int):
        c = _managed_case(request, case_id)
        n = deletion.case_delete(user=request.user, case=c)
        return Response(DeletedSerializer({"deleted": True, "files_deleted": n}).data)


def _managed_case(request, case_id: int):
    """A case of a dataset the requesting supervisor created (404 for anyone else, trainees included)."""
    c = selectors.case_get(user=request.user, case_id=case_id)
    if not request.user.is_supervisor or c.dataset is None or c.dataset.created_by_id != request.user.pk:
        raise c.DoesNotExist
    return c


def _reference_versions(c) -> list[dict]:
    current = selectors.current_reference(case=c)
    experts = {r.pk for r in selectors.current_expert_set(c.references.filter(kind=ReferenceKind.EXPERT))}
    refs = c.references.filter(kind__in=[ReferenceKind.GOLD_STANDARD, ReferenceKind.EXPERT]).order_by(
        "kind", "version", "id"
    )
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "version": r.version,
            "rater": r.rater,
            "created_at": r.created_at,
            "current": (current is not None and r.pk == current.pk) or r.pk in experts,
            "n_evaluations": r.evaluations.count(),
        }
        for r in refs
    ]


class CaseReferencesView(APIView):
    """A case's gold-standard and expert contour versions (supervisor of its dataset): list, or replace."""

    @extend_schema(responses={200: ReferenceVersionSerializer(many=True)})
    def get(self, request, case_id: int):
        c = _managed_case(request, case_id)
        return Response(ReferenceVersionSerializer(_reference_versions(c), many=True).data)

    @extend_schema(request=None, responses={201: ReferenceReplacedSerializer})
    def post(self, request, case_id: int):
        """Multipart ``gold_standard`` (one file) and/or ``experts`` (several): a new version; the case's finished
        submissions are re-evaluated against a new gold standard (old results keep their version)."""
        c = _managed_case(request, case_id)
        with transaction.atomic():
            stored = services.case_reference_replace(
                user=request.user,
                case=c,
                gold_standard=request.FILES.get("gold_standard"),
                experts=request.FILES.getlist("experts"),
            )
            new_gold = any(r.kind == ReferenceKind.GOLD_STANDARD for r in stored)
            uses_gold = c.dataset is not None and c.dataset.consensus_source == ConsensusSource.GOLD_STANDARD
            queued = submission_services.reevaluations_queue(case=c) if new_gold and uses_gold else []
        body = {
            "references": [r for r in _reference_versions(c) if r["id"] in {x.pk for x in stored}],
            "reevaluations_queued": queued,
        }
        return Response(ReferenceReplacedSerializer(body).data, status=status.HTTP_201_CREATED)


class CaseDicomView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        ext = ".zip" if c.dicom_file.content_type == "application/zip" else ".dcm"
        return FileResponse(
            open(file_path(c.dicom_file), "rb"),
            as_attachment=True,
            filename=f"myoqa-case-{c.pk}{ext}",
            content_type=c.dicom_file.content_type,
        )


class CasePixelsView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        frame = image_from_bytes(file_read(c.image_file)).display_frame()
        resp = HttpResponse(np.ascontiguousarray(frame, dtype="<f4").tobytes(), content_type="application/octet-stream")
        resp["X-Rows"], resp["X-Columns"] = str(c.rows), str(c.columns)
        resp["X-Pixel-Spacing"] = f"{c.pixel_spacing_dy_mm},{c.pixel_spacing_dx_mm}"
        resp["X-Units"] = c.units
        resp["Cache-Control"] = "private, max-age=3600"
        return resp


class CaseReferenceView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        ref = _reference_shown(c, request.user)
        if ref is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        polys = contour_set_polygons(contour_set_from_bytes(file_read(ref.contours_file)), (c.rows, c.columns))
        return Response({"source": ref.kind, "version": ref.version, "contributors": len(ref.contributors), **polys})


class CaseRepeatView(APIView):
    """Make a hidden repeat of a case (supervisor of the case's dataset)."""

    @extend_schema(request=RepeatIn, responses={201: dict})
    def post(self, request, case_id: int):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors make repeat cases."}, status=status.HTTP_403_FORBIDDEN)
        c = selectors.case_get(user=request.user, case_id=case_id)
        v = validated(RepeatIn, request.data)
        when = v.get("available_after") or {"available_at": None, "after_cases": None}
        repeat = services.case_repeat_create(
            user=request.user, case=c, title=v["title"], transform=v["transform"], **when
        )
        return Response(case_out(repeat, request.user), status=status.HTTP_201_CREATED)
