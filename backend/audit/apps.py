from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who viewed or downloaded what (access events) and who changed what (django-auditlog's log entries)."""

    name = "backend.audit"
    label = "audit"

    def ready(self) -> None:
        from .registry import register_models

        register_models()
