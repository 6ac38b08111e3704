"""``manage.py deidentify IN... --out DIR``: real Sunnybrook frames from a folder and a zip, the same new UIDs as an
upload, one line on stderr and exit status 2 for bad input, nothing written then."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pydicom
import pytest
from django.conf import settings
from django.core.management import call_command

from backend.core.deid import UidMapper
from tests.conftest import REPO, shared_path

FRAMES = ("59.dcm", "68.dcm")


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("deidentify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def study(tmp_path) -> Path:
    """A folder with two real frames in a subfolder, and file-system clutter."""
    src = shared_path("scd-sunnybrook", "dicoms", "SCD0000101")
    (tmp_path / "study" / "cine").mkdir(parents=True)
    for name in FRAMES:
        (tmp_path / "study" / "cine" / name).write_bytes((src / name).read_bytes())
    (tmp_path / "study" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return tmp_path / "study"


def test_a_folder_is_written_with_its_relative_names_and_the_uploads_uids(study, tmp_path):
    code, out, err = run(str(study), "--out", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == ["cine/59.dcm", "cine/68.dcm"]
    m = UidMapper(settings.DEID_SECRET)
    originals = [pydicom.dcmread(study / "cine" / n) for n in FRAMES]
    results = [pydicom.dcmread(tmp_path / "out" / "cine" / n) for n in FRAMES]
    for o, r in zip(originals, results, strict=True):
        assert r.SOPInstanceUID == m.uid(o.SOPInstanceUID) and r.SeriesInstanceUID == m.uid(o.SeriesInstanceUID)
        assert r.PatientID == m.patient_id(o.PatientID) and r.PatientIdentityRemoved == "YES"
        assert r.PixelData == o.PixelData and r.SOPClassUID == o.SOPClassUID
    new_uids = {str(e.value) for r in results for e in r.iterall() if e.VR == "UI" and e.value}
    replaced = {u for u in new_uids if not u.startswith("1.2.840.10008.")}  # each from one original
    assert len(replaced) == 6  # two SOP Instance and Frame of Reference UIDs, one Series and one Study UID
    assert out.strip() == f"2 de-identified files written to {tmp_path / 'out'}; {len(replaced)} UIDs replaced."


def test_a_zip_is_written_with_its_member_names_or_with_the_new_sop_instance_uids(study, tmp_path):
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in FRAMES:
            z.write(study / "cine" / name, f"cine/{name}")
        z.writestr("__MACOSX/cine/._59.dcm", b"resource fork")
    assert run(str(archive), "--out", str(tmp_path / "a"))[0] == 0
    assert sorted(p.name for p in (tmp_path / "a" / "cine").iterdir()) == list(FRAMES)
    assert run(str(archive), "--out", str(tmp_path / "b"), "--names", "uid")[0] == 0
    m = UidMapper(settings.DEID_SECRET)
    expected = {m.uid(pydicom.dcmread(study / "cine" / n).SOPInstanceUID) + ".dcm" for n in FRAMES}
    assert {p.name for p in (tmp_path / "b").iterdir()} == expected


def test_bad_input_exits_with_status_2_one_line_on_stderr_and_writes_nothing(study, tmp_path):
    burned = tmp_path / "burned.dcm"
    ds = pydicom.dcmread(study / "cine" / "59.dcm")
    ds.BurnedInAnnotation = "YES"
    ds.save_as(burned)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    cases = [
        ([str(tmp_path / "missing.dcm")], "no such file or folder"),
        ([str(REPO / "manage.py")], "not a readable DICOM file"),
        ([str(study), str(burned)], "Burned In Annotation = YES"),
        ([str(damaged)], "the zip is damaged"),
        ([str(study), str(study)], "use --names uid"),
    ]
    for args, phrase in cases:
        code, out, err = run(*args, "--out", str(tmp_path / "out"))
        assert code == 2 and out == "", (args, out)
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and phrase in err, err
        assert not (tmp_path / "out").exists()


def test_the_command_runs_from_manage_py_with_its_usage():
    r = subprocess.run(
        [sys.executable, "manage.py", "deidentify", "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "--out DIR" in r.stdout and "--names {relative,uid}" in r.stdout
