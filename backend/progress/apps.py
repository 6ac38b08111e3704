from django.apps import AppConfig


class ProgressConfig(AppConfig):
    """Training-progress reports (PDF) for one trainee or a cohort, for accreditation."""

    name = "backend.progress"
    label = "progress"
