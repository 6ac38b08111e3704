import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure: stored files, de-identification, the API error mapping."""

    name = "backend.core"
    label = "core"

    def ready(self) -> None:
        import pydicom  # noqa: F401  (pydicom sets its logger's level on import; quieten it afterwards)

        # pydicom logs every non-conforming header value it meets (e.g. leading zeros in Sunnybrook UIDs); the
        # analysis core reports what matters to the user itself.
        logging.getLogger("pydicom").setLevel(logging.ERROR)
