"""The expert consensus of a case: STAPLE of its experts' contours (majority vote for two), with each expert's
sensitivity and specificity for the supervisor.

STAPLE (Warfield, Zou & Wells, IEEE TMI 2004) estimates each rater's sensitivity and specificity and the hidden true
segmentation by expectation-maximisation; :func:`backend.cmr.consensus.consensus` runs it through SimpleITK inside a
fixed region. With two experts STAPLE has too little to go on (each rater's reliability is judged only against the
other), so two experts are fused by the strict majority vote, i.e. their intersection, and no reliability is given.

The consensus is stored as a versioned :class:`~backend.cases.models.ReferenceContour` (kind ``expert_consensus``)
whose ``contributors`` are the expert reference ids it was fused from: a replaced expert set makes a new version,
and old evaluations keep the version they used.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from backend.cmr.consensus import consensus
from backend.cmr.contours import contour_set_from_bytes
from backend.core.storage import file_read

from .models import Case, ReferenceContour, ReferenceKind
from .selectors import current_expert_set

MIN_EXPERTS = 2
"""An expert consensus needs at least this many experts' contours."""
STAPLE_MIN_EXPERTS = 3
"""STAPLE from this many experts; majority vote below."""

TOO_FEW_EXPERTS = (
    "The expert consensus (STAPLE of the experts' contours) needs at least two experts' contours for this case; "
    "add them, or choose another consensus for the dataset."
)


def expert_consensus_current(case: Case) -> tuple[ReferenceContour | None, str]:
    """The case's expert consensus for its current expert set: the stored one, or a new version fused now.

    Parameters
    ----------
    case : Case

    Returns
    -------
    (reference, note)
        The reference (None, with a note for the trainee, when the case has fewer than :data:`MIN_EXPERTS`).
    """
    experts = current_expert_set(case.references.filter(kind=ReferenceKind.EXPERT).select_related("contours_file"))
    if len(experts) < MIN_EXPERTS:
        return None, TOO_FEW_EXPERTS
    ids = sorted(r.pk for r in experts)
    prev = ReferenceContour.objects.filter(case=case, kind=ReferenceKind.EXPERT_CONSENSUS).order_by("-version").first()
    if prev is not None and sorted(prev.contributors) == ids:
        return prev, ""
    experts = sorted(experts, key=lambda r: r.pk)
    sets = [contour_set_from_bytes(file_read(r.contours_file)) for r in experts]
    method = "staple" if len(sets) >= STAPLE_MIN_EXPERTS else "majority"
    fused = consensus(sets, (case.rows, case.columns), method=method)
    raters = [
        {
            "reference_id": r.pk,
            "rater": r.rater or f"expert {i}",
            "sensitivity": fused.rater_sensitivity[i - 1] if fused.rater_sensitivity else None,
            "specificity": fused.rater_specificity[i - 1] if fused.rater_specificity else None,
        }
        for i, r in enumerate(experts, 1)
    ]
    from .services import reference_store

    version = (prev.version + 1) if prev is not None else 1
    label = f"STAPLE of {len(sets)} experts" if method == "staple" else f"majority vote of {len(sets)} experts"
    try:
        with transaction.atomic():
            ref = reference_store(
                case=case,
                kind=ReferenceKind.EXPERT_CONSENSUS,
                contours=fused.contours,
                version=version,
                contributors=ids,
                rater=label,
            )
            ref.reliability = {"method": method, "n_experts": len(sets), "raters": raters}
            ref.save(update_fields=["reliability"])
    except IntegrityError:  # another worker stored this version first
        again = (
            ReferenceContour.objects.filter(case=case, kind=ReferenceKind.EXPERT_CONSENSUS).order_by("-version").first()
        )
        return again, ""
    return ref, ""


def expert_consensus_out(case: Case) -> dict | None:
    """The supervisor's view of a case's latest expert consensus: method, version and each expert's reliability.

    Returns
    -------
    dict or None
        ``{"version", "method": "staple" | "majority", "rater", "n_experts", "raters": [{"reference_id", "rater",
        "sensitivity", "specificity"}]}`` (sensitivity and specificity of each expert's myocardium against the
        STAPLE estimate, 0..1; None for a majority vote), or None when none was made.
    """
    ref = ReferenceContour.objects.filter(case=case, kind=ReferenceKind.EXPERT_CONSENSUS).order_by("-version").first()
    if ref is None:
        return None
    rel = ref.reliability or {}
    return {
        "version": ref.version,
        "method": rel.get("method"),
        "rater": ref.rater,
        "n_experts": rel.get("n_experts"),
        "raters": rel.get("raters") or [],
    }
