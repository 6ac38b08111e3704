"""De-identification against PS3.15 Table E.1-1: a unique marker planted in every attribute of the table that can
hold text, at the top level and nested, in overlays, curves, private tags, the file meta and the preamble, of a real
Sunnybrook frame and a real GE echo; none may be found in the bytes written, served or stored.

The table comes from the library the module uses (``dicom-anonymizer``), read here directly, not through
``backend.core.deid``, so a row the module drops would still be planted.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom import datadict
from pydicom.dataset import Dataset

from backend.cmr.dicom import load_image
from backend.core.deid import PROFILE_TABLE, UidMapper, deidentify, profile_actions
from tests.backend.conftest import ApiClient, media_files, sav_upload
from tests.conftest import shared_path

#: Markers are not valid dates, numbers or ages; pydicom warns when they are set and written.
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR")

#: VRs that cannot hold a text marker (binary numbers and attribute tags).
NUMERIC_VRS = frozenset({"US", "SS", "UL", "SL", "FL", "FD", "AT", "SV", "UV"})
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})

#: Overlay group 6000 and curve group 5000 (retired): element, VR, whether a marker is planted.
OVERLAY = [
    (0x0010, "US", 2),
    (0x0011, "US", 8),
    (0x0040, "CS", None),
    (0x0050, "SS", [1, 1]),
    (0x0100, "US", 1),
    (0x0102, "US", 0),
    (0x0022, "LO", None),  # Overlay Description
    (0x0045, "LO", None),  # Overlay Subtype
    (0x1500, "LO", None),  # Overlay Label
    (0x3000, "OW", None),  # Overlay Data
    (0x4000, "LT", None),  # Overlay Comments
]
CURVE = [
    (0x0005, "US", 1),
    (0x0010, "US", 4),
    (0x0020, "CS", None),  # Type of Data
    (0x0022, "LO", None),  # Curve Description
    (0x0030, "SH", None),  # Axis Units
    (0x0040, "SH", None),  # Axis Labels
    (0x0103, "US", 0),
    (0x2500, "LO", None),  # Curve Label
    (0x3000, "OB", None),  # Curve Data
]
SERIES_UIDS = ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "FrameOfReferenceUID")
FILE_META = [
    "ImplementationVersionName",
    "SourceApplicationEntityTitle",
    "SendingApplicationEntityTitle",
    "ReceivingApplicationEntityTitle",
    "SourcePresentationAddress",
    "SendingPresentationAddress",
    "ReceivingPresentationAddress",
    "PrivateInformationCreatorUID",
    "PrivateInformation",
    "ImplementationClassUID",
]


def library_table() -> dict[int, str]:
    """Table E.1-1 straight from ``dicom-anonymizer``: tag -> category (repeating-group rows left out)."""
    mod = importlib.import_module(f"dicomanonymizer.dicom_anonymization_databases.{PROFILE_TABLE}")
    out: dict[int, str] = {}
    for category in ("D_TAGS", "Z_TAGS", "X_TAGS", "U_TAGS", "Z_D_TAGS", "X_Z_TAGS", "X_D_TAGS", "X_Z_D_TAGS"):
        out.update({(t[0] << 16) | t[1]: category for t in getattr(mod, category) if len(t) == 2})
    out.update({(t[0] << 16) | t[1]: "X_Z_U_STAR_TAGS" for t in mod.X_Z_U_STAR_TAGS})
    return out


def vr_of(tag: int) -> str:
    """The dictionary VR (the first of ``OB or OW``); LO for attributes newer than pydicom's dictionary."""
    return str(datadict.dictionary_VR(tag)).split(" or ")[0] if datadict.dictionary_has_tag(tag) else "LO"


class Planter:
    """Makes fixed-width unique markers and remembers where each was planted."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}

    def text(self, where: str, vr: str = "LO") -> str | bytes:
        n = len(self.where)
        if vr == "UI":
            marker = f"1.2.999.777.1{n:05d}"
        elif vr in ("DS", "IS"):  # pydicom keeps these as numbers: digits only
            marker = f"97{n:05d}3"
        elif vr == "AS":
            marker = f"Y{n % 1000:03d}"
        else:
            marker = f"QZ{n:05d}X"
        assert marker not in self.where
        self.where[marker] = where
        return (marker + "\0" * (len(marker) % 2)).encode() if vr in BINARY_VRS else marker

    def coded_item(self, where: str) -> Dataset:
        """A sequence item with free text at depth 1 (Code Meaning, Text Value) and depth 2 (Code Meaning)."""
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator = "1", "99TEST"
        item.CodeMeaning = self.text(f"{where} > CodeMeaning")
        item.TextValue = self.text(f"{where} > TextValue")
        inner = Dataset()
        inner.CodeValue, inner.CodingSchemeDesignator = "2", "99TEST"
        inner.CodeMeaning = self.text(f"{where} > ConceptNameCodeSequence > CodeMeaning")
        item.ConceptNameCodeSequence = [inner]
        return item

    def table(self, ds: Dataset, where: str) -> None:
        """A marker in every attribute of Table E.1-1 that can hold text (group 0002 goes to the file meta).

        The UIDs that tie echoes into one series keep their original values, which are markers themselves.
        """
        for tag in sorted(library_table()):
            vr = vr_of(tag)
            if vr in NUMERIC_VRS or tag >> 16 in (0x0000, 0x0002):
                continue
            name = datadict.keyword_for_tag(tag) or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
            if name in SERIES_UIDS and name in ds:
                self.where[str(ds[name].value)] = f"{where}{name} (the original)"
            elif vr == "SQ":
                ds.add_new(tag, "SQ", [self.coded_item(f"{where}{name}[0]")])
            else:
                ds.add_new(tag, vr, self.text(f"{where}{name}", vr))

    def private(self, ds: Dataset, where: str) -> None:
        block = ds.private_block(0x0029, str(self.text(f"{where}private creator (0029,0010)")), create=True)
        block.add_new(0x01, "LO", self.text(f"{where}private (0029,xx01) LO"))
        block.add_new(0x02, "LT", self.text(f"{where}private (0029,xx02) LT"))
        block.add_new(0x03, "OB", self.text(f"{where}private (0029,xx03) OB", "OB"))


def plant(ds: Dataset) -> dict[str, str]:
    """Plant the markers in ``ds`` (a file read with its pixels); returns marker -> where it was planted."""
    p = Planter()
    p.table(ds, "")
    # Nested at depth 2 inside sequences the table does not list (kept, and cleaned item by item).
    deep = Dataset()
    p.table(deep, "ReferencedSeriesSequence[0] > ReferencedInstanceSequence[0] > ")
    p.private(deep, "ReferencedSeriesSequence[0] > ReferencedInstanceSequence[0] > ")
    outer = Dataset()
    outer.ReferencedInstanceSequence = [deep]
    ds.ReferencedSeriesSequence = [outer]
    ds.DeidentificationMethodCodeSequence = [p.coded_item("DeidentificationMethodCodeSequence[0]")]
    p.private(ds, "")
    for group, rows, name in ((0x6000, OVERLAY, "overlay"), (0x6002, OVERLAY, "overlay"), (0x5000, CURVE, "curve")):
        for element, vr, value in rows:
            tag = (group << 16) | element
            v = p.text(f"{name} ({group:04X},{element:04X})", vr) if value is None else value
            ds.add_new(tag, vr, v)
    for kw in FILE_META:
        vr = str(datadict.dictionary_VR(kw))
        setattr(ds.file_meta, kw, p.text(f"file meta {kw}", vr))
    ds.preamble = str(p.text("preamble")).encode().ljust(128, b"\0")
    return p.where


def written(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


#: Every marker the planter makes has one of these shapes (the original UIDs are looked for one by one).
MARKER_SHAPES = re.compile(rb"QZ\d{5}X|97\d{5}3|Y\d{3}|1\.2\.999\.777\.1\d{5}")


def surviving(data: bytes, where: dict[str, str]) -> list[str]:
    """Where each marker found in ``data`` was planted.

    Looked for as ASCII and, with every NUL byte dropped, as UTF-16 / UTF-32 too (numpy stores strings so); dropping
    NULs can only add matches, never hide one.
    """
    hay = data + b"\n" + data.replace(b"\0", b"")
    found = {m.decode() for m in MARKER_SHAPES.findall(hay)}
    found |= {m for m in where if not MARKER_SHAPES.fullmatch(m.encode()) and m.encode() in hay}
    return [w for m, w in where.items() if m in found]


def expand(data: bytes) -> bytes:
    """The bytes of a file and, for a zip (``.npz`` too), of every member, recursively."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return data + b"".join(expand(z.read(n)) for n in z.namelist())


def sunnybrook() -> Path:
    return shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")


def ge_echoes() -> list[Path]:
    """The 12 echoes of one slice of the GE multi-echo series."""
    folder = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    files = [
        p
        for p in sorted(folder.glob("*.dcm"))
        if abs(float(pydicom.dcmread(p, stop_before_pixels=True).SliceLocation) + 29.09) < 0.01
    ]
    assert len(files) == 12
    return files


def test_the_table_read_by_the_module_is_the_librarys_whole_table():
    lib = library_table()
    assert len(lib) >= 650  # 2026c: 652 single attributes (plus 3 repeating-group rows: curves, overlays)
    assert set(profile_actions()) == set(lib)
    codes = {"D": "D", "Z": "Z", "X": "X", "U": "U", "Z_D": "Z/D", "X_Z": "X/Z", "X_D": "X/D", "X_Z_D": "X/Z/D"}
    codes["X_Z_U_STAR"] = "X/Z/U*"
    assert {t: profile_actions()[t] for t in lib} == {t: codes[c.removesuffix("_TAGS")] for t, c in lib.items()}


def test_the_marker_search_finds_markers_kept_as_numpy_strings_in_a_stored_npz():
    ds = Dataset()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    where = plant(ds)
    m_text, m_uid = next(m for m in where if m.startswith("QZ")), next(m for m in where if m.startswith("1.2.999"))
    buf = io.BytesIO()
    np.savez_compressed(buf, description=np.array(m_text), uids=np.array([m_uid]))
    assert surviving(buf.getvalue(), where) == []  # compressed: only expanded can it be searched
    assert sorted(surviving(expand(buf.getvalue()), where)) == sorted([where[m_text], where[m_uid]])


@pytest.mark.parametrize("which", ["sunnybrook", "ge"])
def test_no_planted_marker_survives_in_the_file_written(which):
    path = sunnybrook() if which == "sunnybrook" else ge_echoes()[0]
    ds = pydicom.dcmread(path)
    where = plant(ds)
    assert surviving(written(ds), where)  # the planting reaches the file when nothing removes it
    assert len(where) > 1000
    deidentify(ds, UidMapper("site-secret"))
    data = written(ds)
    assert surviving(data, where) == []
    back = pydicom.dcmread(io.BytesIO(data))
    assert not [e for e in back.iterall() if e.tag.is_private or (e.tag.group & 0xFF00) in (0x5000, 0x6000)]
    assert [e.keyword for e in back.file_meta] == [
        "FileMetaInformationGroupLength",
        "FileMetaInformationVersion",
        "MediaStorageSOPClassUID",
        "MediaStorageSOPInstanceUID",
        "TransferSyntaxUID",
        "ImplementationClassUID",
        "ImplementationVersionName",
    ]
    assert back.preamble == b"\0" * 128


@pytest.mark.parametrize("which", ["sunnybrook", "ge"])
def test_a_planted_deidentified_image_keeps_its_pixels_and_loads_as_before(which, tmp_path):
    paths = [sunnybrook()] if which == "sunnybrook" else ge_echoes()
    before = load_image(paths if len(paths) > 1 else paths[0])
    out = []
    for i, p in enumerate(paths):
        ds = pydicom.dcmread(p)
        pixels = hashlib.sha256(ds.PixelData).hexdigest()
        plant(ds)
        deidentify(ds, UidMapper("site-secret"))
        data = written(ds)
        assert hashlib.sha256(pydicom.dcmread(io.BytesIO(data)).PixelData).hexdigest() == pixels
        out.append(tmp_path / f"{i:02d}.dcm")
        out[-1].write_bytes(data)
    after = load_image(out if len(out) > 1 else out[0])
    assert after.kind == before.kind
    assert after.pixel_spacing_mm == before.pixel_spacing_mm
    assert after.echo_times_ms == before.echo_times_ms
    assert after.field_strength_t == before.field_strength_t and after.manufacturer == before.manufacturer
    assert (after.pixels == before.pixels).all()
    assert after.series_instance_uid == UidMapper("site-secret").uid(before.series_instance_uid)


@pytest.mark.django_db
def test_a_planted_sunnybrook_upload_is_served_and_stored_without_any_marker(supervisor, dataset):
    ds = pydicom.dcmread(sunnybrook())
    where = plant(ds)
    sav = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    c = ApiClient(supervisor)
    r = c.post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": "planted",
            "image": SimpleUploadedFile("59.dcm", written(ds)),
            "gold_standard": SimpleUploadedFile("e.sav", sav.read_bytes()),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    served = b"".join(c.get(f"/api/cases/{r.json()['id']}/dicom").streaming_content)
    assert pydicom.dcmread(io.BytesIO(served)).PatientIdentityRemoved == "YES"
    assert surviving(served, where) == []
    assert surviving(c.get(f"/api/cases/{r.json()['id']}").content, where) == []
    stored = media_files()
    assert stored
    found = {str(p.name): surviving(expand(p.read_bytes()), where) for p in stored}
    assert {name: w for name, w in found.items() if w} == {}


@pytest.mark.django_db
def test_a_planted_ge_echo_series_upload_is_served_without_any_marker_and_keeps_one_new_series(supervisor, dataset):
    files, where = [], {}
    for p in ge_echoes():
        ds = pydicom.dcmread(p)
        where.update(plant(ds))  # the same markers in every echo: one file keeping them is enough to fail
        files.append(SimpleUploadedFile(p.name, written(ds)))
    angle = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    gold = sav_upload(128 + 20 * ring, 128 + 30 * ring)
    c = ApiClient(supervisor)
    r = c.post(
        "/api/cases/",
        {"dataset": str(dataset.pk), "title": "planted GE", "image": files, "gold_standard": gold},
        json=False,
    )
    assert r.status_code == 201, r.content
    served = b"".join(c.get(f"/api/cases/{r.json()['id']}/dicom").streaming_content)
    assert surviving(expand(served), where) == []
    with zipfile.ZipFile(io.BytesIO(served)) as z:
        echoes = [pydicom.dcmread(io.BytesIO(z.read(n))) for n in sorted(z.namelist())]
    assert len(echoes) == 12 and len({e.SeriesInstanceUID for e in echoes}) == 1
    found = {str(p.name): surviving(expand(p.read_bytes()), where) for p in media_files()}
    assert {name: w for name, w in found.items() if w} == {}
