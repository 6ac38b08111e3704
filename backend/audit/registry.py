"""The models whose changes django-auditlog records (who changed what, with the changed fields).

Large or derived fields (analysis payloads, evaluation summaries, contributors lists) and secrets (password hashes)
are left out of the recorded changes: the log says who changed which object and which settings, not its data.
"""

from __future__ import annotations

from auditlog.registry import auditlog


def register_models() -> None:
    """Register the content models with django-auditlog (called once, from ``AuditConfig.ready``)."""
    from backend.accounts.models import Cohort, User
    from backend.cases.models import Case, Dataset, ReferenceContour

    if auditlog.contains(Dataset):
        return
    auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields=set())
    auditlog.register(Cohort, m2m_fields={"trainees"})
    auditlog.register(Dataset, m2m_fields={"cohorts"})
    auditlog.register(Case)
    auditlog.register(ReferenceContour, exclude_fields=["contributors"])
