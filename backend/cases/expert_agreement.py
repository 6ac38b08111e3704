"""Reads: the inter-expert agreement of a dataset's cases and the tolerances it proposes (issue 14 item 3).

Computed on request from the stored expert contours by :mod:`backend.cmr.agreement_bands` (the one owner of what
the numbers mean); nothing is stored until a supervisor saves the proposed tolerances into the dataset.
"""

from __future__ import annotations

from backend.cmr.agreement_bands import case_agreement, proposed_tolerances
from backend.cmr.contours import contour_set_from_bytes
from backend.cmr.dicom import image_from_bytes
from backend.core.storage import file_read

from .models import Dataset, ReferenceContour, ReferenceKind
from .selectors import current_expert_set


def dataset_expert_agreement(*, dataset: Dataset) -> dict:
    """Inter-expert agreement per case (two or more experts) and the proposed tolerances.

    Returns
    -------
    dict
        ``{"dataset_id", "cases": [{"case_id", "title", "n_experts", "raters", "map_quantity", "pairs", "mean"}],
        "proposal": proposed_tolerances(...)}``; ``cases`` empty (and ``proposal["tolerances"]`` empty) when no
        case has repeated expert contours.
    """
    refs = (
        ReferenceContour.objects.filter(case__dataset=dataset, kind=ReferenceKind.EXPERT)
        .select_related("case", "case__image_file", "contours_file")
        .order_by("case_id", "id")
    )
    by_case: dict[int, list[ReferenceContour]] = {}
    for r in refs:
        by_case.setdefault(r.case_id, []).append(r)
    cases = []
    for all_sets in by_case.values():
        experts = current_expert_set(all_sets)
        if len(experts) < 2:
            continue
        case = experts[0].case
        image = image_from_bytes(file_read(case.image_file))
        sets = [contour_set_from_bytes(file_read(r.contours_file)) for r in experts]
        cases.append(
            {
                "case_id": case.pk,
                "title": case.title,
                "raters": [r.rater for r in experts],
                **case_agreement(image, sets),
            }
        )
    return {"dataset_id": dataset.pk, "cases": cases, "proposal": proposed_tolerances(cases)}
