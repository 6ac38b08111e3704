"""Fuzzing the upload endpoints (issue 13): a few hundred mutated DICOM, zip and SAV inputs, fixed seed.

Every input is POSTed through the CSRF-enforcing test client to ``/api/cases/`` (as the supervisor) or
``/api/practice/`` (as a trainee). No answer may be a 5xx; every 4xx carries a ``detail`` sentence without Python
exception names; a refusal leaves no row and no file behind. Bases: the Sunnybrook cine frame (Explicit VR Little
Endian) and three echoes of the GE multi-echo series (Implicit VR Little Endian) from ``../shared/data``, a
synthetic map (``backend.cmr.phantom``), and SAV contours (``backend.cmr.savwrite``, plain and compressed).

Mutations: byte flips (header-weighted), truncations, header fields (VRs, lengths, Echo Time, Pixel Spacing,
Number of Frames, Rows, Samples per Pixel, rescale, transfer syntax), zip members (names, system files, traversal,
damaged streams, lying sizes, nesting). Bounded: :data:`N_DICOM` + :data:`N_ZIP` + :data:`N_SAV` inputs, seed
:data:`SEED`; about 30 s on two cores.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pydicom
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_file_meta_info

from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import sav_bytes
from tests.backend.conftest import media_files
from tests.conftest import shared_path

SEED = 20260613
N_DICOM, N_ZIP, N_SAV = 220, 60, 60
PYTHON_NAMES = re.compile(
    r"\b\w*(Error|Exception)\b|Traceback|\bstruct\b|\bzlib\b|\bpydicom\b|NoneType|has no attribute|invalid literal|"
    r"\bdtype\b|\bkwarg|\bNone\b"
)
SHAPE = (256, 256)


@dataclass
class FuzzInput:
    """One mutated upload: which field it fills, with what, and how it was made (for the failure report)."""

    kind: str  # "dicom", "zip" or "sav"
    how: str
    files: list[tuple[str, bytes]]


# --------------------------------------------------------------------------------------------------------------
# Bases


def _phantom():
    return lv_phantom(shape=SHAPE, pixel_spacing_mm=(1.37, 1.37), seed=3)


def _sav(compress: bool = False) -> bytes:
    ph = _phantom()
    endo, epi = ph.endocardium, ph.epicardium
    return sav_bytes(
        {
            "ENDO_X": endo[:, 0].astype(np.float32),
            "ENDO_Y": endo[:, 1].astype(np.float32),
            "EPI_X": epi[:, 0].astype(np.float32),
            "EPI_Y": epi[:, 1].astype(np.float32),
        },
        compress=compress,
    )


def _bases(tmp_path) -> dict[str, list[tuple[str, bytes]]]:
    sunny = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "219.dcm")
    folder = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    heads = [(p, pydicom.dcmread(p, stop_before_pixels=True)) for p in sorted(folder.iterdir())]
    loc = float(heads[0][1].SliceLocation)
    echoes = sorted((float(h.EchoTime), p) for p, h in heads if abs(float(h.SliceLocation) - loc) < 0.01)[:3]
    ph = _phantom()
    t1 = write_map_dicom(tmp_path / "t1.dcm", t1_map_pixels(ph, seed=3), ph, quantity="t1")
    return {
        "sunnybrook": [("frame.dcm", sunny.read_bytes())],
        "ge": [(f"echo{i}.dcm", p.read_bytes()) for i, (_, p) in enumerate(echoes, 1)],
        "t1": [("t1.dcm", t1.read_bytes())],
    }


# --------------------------------------------------------------------------------------------------------------
# Mutations


def flip(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    out = bytearray(data)
    n = rng.randint(1, 8)
    span = len(out) if rng.random() < 0.3 else min(len(out), 4096)
    for _ in range(n):
        out[rng.randrange(span)] ^= rng.randint(1, 255)
    return f"flip {n} bytes in the first {span}", bytes(out)


def truncate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    cut = rng.randrange(len(data))
    return f"truncate at {cut}", data[:cut]


FIELD_VALUES: dict[str, list] = {
    "EchoTime": ["abc", "", "nan", "-1", "1e400", "2\\5"],
    "PixelSpacing": [["1e308", "1e308"], ["1e-300", "1"], ["0", "0"], ["-1", "1"], ["nan", "1"], ["1"], "abc"],
    "NumberOfFrames": ["3000000", "0", "-1", "2", "40", "abc", "2147483648"],
    "Rows": [0, 1, 15, 4097, 65535, 128],
    "Columns": [0, 3, 5000, 65535],
    "SamplesPerPixel": [0, 3, 65535],
    "BitsAllocated": [0, 1, 7, 8, 32, 64, 65535],
    "BitsStored": [0, 33],
    "PixelRepresentation": [1, 7],
    "RescaleSlope": ["inf", "1e308", "0", "nan", "abc"],
    "RescaleIntercept": ["-inf", "1e308", "abc"],
    "PhotometricInterpretation": ["RGB", "PALETTE COLOR", "", "MONOCHROME1"],
    "ImageType": ["DERIVED\\PRIMARY\\T1 MAP\\T2 MAP", "ORIGINAL\\PRIMARY\\P", ""],
    "BurnedInAnnotation": ["YES", "yes ", "NO"],
    "SeriesInstanceUID": ["", "1.2.3"],
    "SOPInstanceUID": ["", "abc"],
    "SliceLocation": ["abc", "1e308"],
    "ImagePositionPatient": [["nan", "0", "0"], ["1"]],
    "MagneticFieldStrength": ["abc", "1e308", "-3"],
}
TRANSFER_SYNTAXES = [
    pydicom.uid.DeflatedExplicitVRLittleEndian,
    pydicom.uid.ExplicitVRBigEndian,
    pydicom.uid.ImplicitVRLittleEndian,
    pydicom.uid.ExplicitVRLittleEndian,
    pydicom.uid.JPEGBaseline8Bit,
    pydicom.uid.RLELossless,
    "1.2.3.4.garbage",
]


def set_field(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    keyword = rng.choice(sorted(FIELD_VALUES))
    value = rng.choice(FIELD_VALUES[keyword])
    ds = pydicom.dcmread(io.BytesIO(data))
    with pydicom.config.disable_value_validation():
        try:
            setattr(ds, keyword, value)
            buf = io.BytesIO()
            ds.save_as(buf)
        except (ValueError, TypeError, OverflowError):
            return f"{keyword} = {value!r} (not writable: the base kept)", data
    return f"{keyword} = {value!r}", buf.getvalue()


def element_headers(data: bytes) -> list[int]:
    """Offsets of plausible Explicit VR element headers (tag then two upper-case letters) after the preamble."""
    return [m.start() - 4 for m in re.finditer(rb"(?<=[\x00-\xff]{4})[A-Z]{2}", data[132:4096])]


def garbage_vr(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    offsets = [o + 132 for o in element_headers(data)]
    if not offsets:
        return flip(rng, data)
    at = rng.choice(offsets)
    vr = rng.choice([b"ZZ", b"\x00\x01", b"ox", b"SQ", b"UN", b"OB", bytes([rng.randrange(256), rng.randrange(256)])])
    return f"VR at {at} -> {vr!r}", data[: at + 4] + vr + data[at + 6 :]


def bad_length(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """An element length (2-byte explicit, or 4-byte implicit) set odd, zero, huge or undefined."""
    out = bytearray(data)
    at = rng.randrange(132, min(len(out) - 8, 4096))
    value = rng.choice([0, 1, 3, 0x7FFF, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, rng.randrange(1 << 16)])
    size = rng.choice([2, 4])
    out[at : at + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return f"length {value} ({size} bytes) at {at}", bytes(out)


def transfer_syntax(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """The file meta's Transfer Syntax UID replaced, the data set left as it was encoded."""
    if data[128:132] != b"DICM":
        return flip(rng, data)
    fp = io.BytesIO(data)
    fp.seek(132)
    meta = pydicom.filereader._read_file_meta_info(fp)
    body = data[fp.tell() :]
    uid = rng.choice(TRANSFER_SYNTAXES)
    meta.TransferSyntaxUID = pydicom.uid.UID(uid)
    out = DicomFileLike(io.BytesIO())
    out.write(data[:132])
    write_file_meta_info(out, meta, enforce_standard=False)
    return f"transfer syntax -> {uid}", out.parent.getvalue() + body


def group_element(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """A group 0002 or 0000 element planted in the data set, after its first element."""
    if data[128:132] != b"DICM":
        return flip(rng, data)
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")
    group = rng.choice([0x0002, 0x0000])
    planted = group.to_bytes(2, "little") + b"\x16\x00AE\x08\x00PLANTED "
    at = meta_end + 12 if data[meta_end + 4 : meta_end + 6] == b"UL" else meta_end
    return f"group {group:04x} element in the data set", data[:at] + planted + data[at:]


def deflated(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """Re-encoded as Deflated Explicit VR Little Endian, then possibly flipped or cut."""
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf)
    out = buf.getvalue()
    choice = rng.random()
    if choice < 0.4:
        how, out = flip(rng, out)
        return f"deflated, {how}", out
    if choice < 0.7:
        how, out = truncate(rng, out)
        return f"deflated, {how}", out
    return "deflated", out


def no_preamble(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    if data[128:132] != b"DICM":
        return flip(rng, data)
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")
    return "no preamble or file meta", data[meta_end:]


DICOM_MUTATIONS: list[Callable[[random.Random, bytes], tuple[str, bytes]]] = [
    flip,
    flip,
    truncate,
    set_field,
    set_field,
    set_field,
    garbage_vr,
    bad_length,
    transfer_syntax,
    group_element,
    deflated,
    no_preamble,
]


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def zip_mutation(rng: random.Random, echoes: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    members = list(echoes)
    method = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
    what = rng.choice(
        ["flip", "truncate", "names", "system", "traversal", "duplicate", "nested", "empty", "lying size", "member"]
    )
    if what == "names":
        members = [
            (rng.choice(["a/b/", "", " ", "x" * 300, "é.dcm", "a\\b.dcm", "DICOMDIR"]) + n, d) for n, d in members
        ]
    elif what == "system":
        members += [("__MACOSX/._echo1.dcm", bytes(rng.randrange(1, 5000))), (".DS_Store", b"\x00\x00\x00\x01Bud1")]
    elif what == "traversal":
        members[0] = (rng.choice(["../../etc/x.dcm", "/abs.dcm", "C:/x.dcm", "a/../../b.dcm"]), members[0][1])
    elif what == "duplicate":
        members.append(members[0])
    elif what == "nested":
        members = [("inner.zip", zip_bytes(members))]
    elif what == "empty":
        members = [] if rng.random() < 0.5 else [("folder/", b"")]
    elif what == "member":
        i = rng.randrange(len(members))
        how, data = rng.choice(DICOM_MUTATIONS)(rng, members[i][1])
        members[i] = (members[i][0], data)
        what = f"member {i}: {how}"
    data = zip_bytes(members, method)
    if what == "flip":
        how, data = flip(rng, data)
        what = f"zip {how}"
    elif what == "truncate":
        how, data = truncate(rng, data)
        what = f"zip {how}"
    elif what == "lying size":
        out = bytearray(data)
        cd = out.rfind(b"PK\x01\x02")  # the last central directory entry: its uncompressed size field at +24
        if cd > 0:
            out[cd + 24 : cd + 28] = rng.choice([0, 1, 0xFFFFFFFF, 10]).to_bytes(4, "little")
        data = bytes(out)
    return f"zip ({'deflated' if method == zipfile.ZIP_DEFLATED else 'stored'}): {what}", data


def sav_mutation(rng: random.Random) -> tuple[str, bytes]:
    compress = rng.random() < 0.5
    data = _sav(compress)
    how, data = (flip if rng.random() < 0.6 else truncate)(rng, data)
    return f"SAV ({'compressed' if compress else 'plain'}): {how}", data


def fuzz_inputs(bases: dict[str, list[tuple[str, bytes]]], seed: int = SEED) -> Iterator[FuzzInput]:
    """The fixed sequence of mutated inputs: :data:`N_DICOM` DICOM, :data:`N_ZIP` zips, :data:`N_SAV` SAV."""
    rng = random.Random(seed)
    singles = [bases["sunnybrook"][0], bases["t1"][0], *bases["ge"]]
    for _ in range(N_DICOM):
        name, data = rng.choice(singles)
        mutate = rng.choice(DICOM_MUTATIONS)
        how, out = mutate(rng, data)
        if name.startswith("echo") and rng.random() < 0.5:  # a mutated echo among its series
            files = [(n, out if n == name else d) for n, d in bases["ge"]]
        else:
            files = [(name, out)]
        yield FuzzInput("dicom", f"{name}: {how}", files)
    for _ in range(N_ZIP):
        how, data = zip_mutation(rng, bases["ge"] if rng.random() < 0.6 else bases["sunnybrook"])
        yield FuzzInput("zip", how, [(rng.choice(["series.zip", "SERIES.ZIP", "series"]), data)])
    for _ in range(N_SAV):
        how, data = sav_mutation(rng)
        yield FuzzInput("sav", how, [("contours.sav", data)])


# --------------------------------------------------------------------------------------------------------------
# The test


def stored_rows() -> int:
    return sum(
        m.objects.count() for label in ("cases", "submissions", "core") for m in apps.get_app_config(label).get_models()
    )


def post(api_client, path: str, fields: dict) -> object:
    return api_client.post(path, fields, json=False)


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # the "duplicate member" zips, on purpose
def test_no_mutated_upload_gets_a_server_error_and_every_refusal_says_why_and_leaves_nothing(
    api, supervisor, trainee_a, dataset, tmp_path
):
    bases = _bases(tmp_path)
    sup, trainee = api(supervisor), api(trainee_a)
    for client in (sup, trainee):
        client.c.raise_request_exception = False  # a server error is counted as a 500, not raised into the test
    good_image = bases["sunnybrook"][0]
    counts: Counter[str] = Counter()
    problems: list[str] = []
    for i, item in enumerate(fuzz_inputs(bases)):
        uploads = [SimpleUploadedFile(n, d) for n, d in item.files]
        if item.kind == "sav":
            image, contours = [SimpleUploadedFile(*good_image)], uploads[0]
        else:
            image, contours = uploads, SimpleUploadedFile("contours.sav", _sav())
        rows, files = stored_rows(), len(media_files())
        if i % 2 == 0:
            path = "/api/cases/"
            r = post(sup, path, {"dataset": dataset.pk, "title": "fuzz", "image": image, "gold_standard": contours})
        else:
            path = "/api/practice/"
            r = post(trainee, path, {"image": image, "contours": contours})
        counts[f"{r.status_code // 100}xx"] += 1
        where = f"#{i} {path} {item.kind} [{item.how}] -> {r.status_code}"
        if r.status_code >= 500:
            problems.append(f"{where}: server error")
            continue
        if r.status_code >= 400:
            detail = r.json().get("detail") if r.get("Content-Type", "").startswith("application/json") else None
            if not isinstance(detail, str) or len(detail.split()) < 4:
                problems.append(f"{where}: no sentence in {r.content[:200]!r}")
            elif PYTHON_NAMES.search(detail):
                problems.append(f"{where}: internal names in {detail!r}")
            if stored_rows() != rows or len(media_files()) != files:
                problems.append(f"{where}: a refusal left rows or files behind")
    total = sum(counts.values())
    print(f"fuzz seed {SEED}: {total} inputs, {dict(sorted(counts.items()))}")
    assert total == N_DICOM + N_ZIP + N_SAV
    assert counts["4xx"] > total // 2  # most mutations must be refused: the harness really exercises refusals
    assert not problems, f"{len(problems)} of {total} ({dict(counts)}):\n" + "\n".join(problems[:60])
