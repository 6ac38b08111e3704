"""``python manage.py deidentify IN... --out DIR``: the site's de-identification (:mod:`backend.core.deid`) for files.

Each IN is a DICOM file, a folder (read recursively) or a zip. Every DICOM found is de-identified with the site's
secret (``MYOQA_DEID_SECRET``, as uploads are, so the new UIDs and the Patient ID pseudonym match those of the same
images uploaded to MyoQA) and written under DIR with its relative name: a file's own name, its path inside a folder,
or its member name inside a zip; ``--names uid`` names each file ``<new SOP Instance UID>.dcm`` instead. File-system
clutter (``.DS_Store``, ``Thumbs.db``, ``__MACOSX/``, ``._*``) and DICOMDIR indexes are skipped.

All or nothing: the files are written to a temporary folder inside DIR and moved into place only when every input
was de-identified; a file of the same name already in DIR is replaced. Prints a summary (files written, UIDs
replaced). Exit status 0 on success, 2 on bad input (a path that does not exist, a file that is not DICOM, a damaged
zip, an image with burned-in text, two inputs with one output name), with one line on stderr saying which input and
what was wrong; nothing is written then.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pydicom
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from pydicom.errors import InvalidDicomError

from backend.cmr.errors import CMRError
from backend.core.deid import UidMapper, deidentify

#: Names skipped silently (lower case), as the image loader skips them.
SKIPPED_NAMES = frozenset({"dicomdir", "thumbs.db", "desktop.ini", ".ds_store"})


class InputError(CMRError):
    """An input that cannot be de-identified; the message names it."""


class CountingMapper(UidMapper):
    """A :class:`UidMapper` that remembers which original UIDs it replaced."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.replaced: set[str] = set()

    def uid(self, original: str) -> str:
        """The parent's mapping; a replaced original is counted."""
        new = super().uid(original)
        if new != str(original).strip():
            self.replaced.add(str(original).strip())
        return new


def _skipped(rel: PurePosixPath) -> bool:
    return rel.name.lower() in SKIPPED_NAMES or rel.name.startswith("._") or "__MACOSX" in rel.parts


def _sources(arg: str) -> Iterator[tuple[str, PurePosixPath, bytes]]:
    """(label for messages, relative output name, bytes) of every candidate DICOM in one IN argument."""
    path = Path(arg)
    if not path.exists():
        raise InputError(f"{arg}: no such file or folder.")
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            rel = PurePosixPath(p.relative_to(path).as_posix())
            if not _skipped(rel):
                yield str(p), rel, p.read_bytes()
        return
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != b"PK\x03\x04":
        yield arg, PurePosixPath(path.name), path.read_bytes()
        return
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                rel = PurePosixPath(info.filename)
                if info.is_dir() or _skipped(rel):
                    continue
                if rel.is_absolute() or ".." in rel.parts:
                    raise InputError(f"{arg}: the member name {info.filename!r} points outside the zip's folder.")
                yield f"{arg}:{info.filename}", rel, z.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{arg}: the zip is damaged or cannot be read ({exc}).") from None
    except Exception as exc:  # noqa: BLE001 -- e.g. zlib.error from a damaged deflate stream
        raise InputError(f"{arg}: the zip is damaged or cannot be read ({type(exc).__name__}).") from None


def _read(label: str, data: bytes) -> pydicom.Dataset:
    try:
        try:
            return pydicom.dcmread(io.BytesIO(data))
        except InvalidDicomError:
            ds = pydicom.dcmread(io.BytesIO(data), force=True)  # a bare dataset without the 128-byte preamble
            if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
                raise InvalidDicomError("no DICOM preamble and no SOP Class / Instance UID") from None
            return ds
    except Exception as exc:  # noqa: BLE001 -- pydicom raises many kinds on damaged input
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{label}: not a readable DICOM file ({reason}).") from None


def _deidentified(label: str, ds: pydicom.Dataset, mapper: UidMapper) -> bytes:
    try:
        deidentify(ds, mapper)
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
    except CMRError as exc:
        raise InputError(f"{label}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 -- a value that cannot be written, whatever pydicom raises
        raise InputError(f"{label}: cannot be written after de-identification ({exc}).") from None
    return buf.getvalue()


class Command(BaseCommand):
    help = "De-identify DICOM files, folders or zips (PS3.15 Basic Profile, the site's UID mapping) into --out DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inputs", nargs="+", metavar="IN", help="a DICOM file, a folder or a zip (repeatable)")
        parser.add_argument("--out", required=True, metavar="DIR", help="folder for the de-identified files")
        parser.add_argument(
            "--names",
            choices=("relative", "uid"),
            default="relative",
            help="output names: the inputs' relative names (default) or <new SOP Instance UID>.dcm",
        )

    def handle(self, *args, **opt) -> None:
        out = Path(opt["out"])
        mapper = CountingMapper(settings.DEID_SECRET)
        created = not out.exists()
        try:
            if not created and not out.is_dir():
                raise InputError(f"--out {out}: exists and is not a folder.")
            out.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".deidentify-", dir=out) as tmp:
                written = self._write_all(opt["inputs"], Path(tmp), opt["names"], mapper)
                for rel in written:
                    target = out / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(Path(tmp) / rel, target)
        except (CMRError, OSError) as exc:
            if created and out.is_dir() and not any(out.iterdir()):
                out.rmdir()
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.stderr.write(f"error: {message}")
            sys.exit(2)
        self.stdout.write(
            f"{len(written)} de-identified file{'s' if len(written) != 1 else ''} written to {out}; "
            f"{len(mapper.replaced)} UID{'s' if len(mapper.replaced) != 1 else ''} replaced."
        )

    def _write_all(self, inputs: list[str], tmp: Path, names: str, mapper: UidMapper) -> list[PurePosixPath]:
        written: dict[PurePosixPath, str] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's value warnings (e.g. UIDs with leading zeros) are not errors
            for arg in inputs:
                for label, rel, data in _sources(arg):
                    ds = _read(label, data)
                    content = _deidentified(label, ds, mapper)
                    name = PurePosixPath(f"{ds.SOPInstanceUID}.dcm") if names == "uid" else rel
                    if name in written:
                        raise InputError(
                            f"{label} and {written[name]} would both be written as {name}"
                            + ("" if names == "uid" else "; use --names uid")
                            + "."
                        )
                    written[name] = label
                    (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                    (tmp / name).write_bytes(content)
        if not written:
            raise InputError(f"no DICOM file found in {' '.join(inputs)}.")
        return list(written)
