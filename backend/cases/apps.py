from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Datasets, cases (images) and their reference contours."""

    name = "backend.cases"
    label = "cases"
