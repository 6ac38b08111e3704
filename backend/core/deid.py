"""De-identification of uploaded DICOM, once, on ingest, before anything is stored.

Implements the DICOM PS3.15 Annex E **Basic Application Level Confidentiality Profile** from the profile's own
table, Table E.1-1, as the ``dicom-anonymizer`` package (KitwareMedical, pinned in ``requirements.txt``) ships it,
scraped from the standard release named by :data:`PROFILE_TABLE` (652 attributes, each with its action code, and
three repeating-group rows: curves, overlay data and overlay comments). That package's engine is not used: it
applies the table at the top level only and replaces UIDs at random. The actions here:

==========================  ===========================================================================================
Table E.1-1 action          done here
==========================  ===========================================================================================
X, X/Z, X/D, X/Z/D, X/Z/U*  removed (when the profile allows removal, it is always the choice), with any sequence
Z, Z/D                      emptied (a sequence keeps zero items); Patient ID and Patient's Name: see below
D                           a dummy of the VR (``ANONYMIZED``, ``19000101``, ``0``, ...); a sequence is removed
U                           UID replaced (see below)
==========================  ===========================================================================================

Rules of this project on top of the table (all stricter than the profile):

* it is applied **at every depth of every sequence**; an attribute the table does not list is kept, and a sequence
  the table does not list is kept with its items cleaned by the same rules;
* names, dates, times and free text the table does not list are removed too: every element of VR PN, DA, DT, TM, LT,
  ST, UT, UC, UR or AE (``Retain Longitudinal Temporal Information`` is not claimed), and every element of VR UN
  (content that cannot be read cannot be judged);
* private tags are removed (the analysis has already read what it needs, e.g. GE (0043,102F), before this runs;
  ``Retain Safe Private`` is not claimed); so are **overlays and curves**, the whole of groups 60xx and 50xx (the
  profile lists Overlay Data, Overlay Comments and Curve Data; the labels and descriptions go too), group lengths
  and any file-meta (0002,xxxx) element found inside the dataset;
* **the file meta is rebuilt**: only File Meta Information Version, Media Storage SOP Class / Instance UID (the new
  one), Transfer Syntax UID and pydicom's Implementation Class UID / Version Name; Source / Sending / Receiving AE
  titles, presentation addresses and Private Information (with its creator UID) are gone; the 128-byte preamble is
  zeroed;
* **UIDs are replaced consistently**, not removed (dicognito's approach; pydicom/deid's default recipe removes them
  and breaks the link between a contour, its image and the other echoes): every UI value that is not a DICOM-defined
  UID (SOP classes, transfer syntaxes: root ``1.2.840.10008.``) becomes ``2.25.<decimal of 120 bits of
  HMAC-SHA256(site secret, uid)>``, whether the table says U or does not list it. The same original UID gives the
  same new UID in every upload of the site, so two echoes of one series still share one (new) Series Instance UID;
* Patient ID becomes a pseudonym (``MYOQA-`` + 12 hex digits of an HMAC of the original; the table's Z/D allows a
  dummy) and Patient's Name ``ANONYMOUS``;
* Patient Identity Removed (0012,0062) = YES, Longitudinal Temporal Information Modified = REMOVED, De-identification
  Method (0012,0063) and its Code Sequence (PS3.16 CID 7050: 113100 Basic Application Confidentiality Profile only;
  no option is claimed, since descriptors are removed, not cleaned, and UIDs and dates are not retained).

Descriptors (Series Description, Image Comments, Protocol Name, Study Description, ...) are **removed**: the kind of
image and its description were read from the original before this runs. What the analysis and viewer need is not in
the table and is kept: the pixel data and its module (Rows, Columns, Bits Allocated, ...), Pixel Spacing, Rescale and
the Real World Value Mapping, Echo Time, Inversion Time, Image Position / Orientation, Slice Location, Magnetic Field
Strength, Manufacturer, Image Type, the SOP class and the transfer syntax.

**Burned-in text is refused**: a dataset with Burned In Annotation (0028,0301) = YES raises
:class:`BurnedInAnnotationError` (a :class:`~backend.cmr.errors.CMRError`, so an upload gets a 400) before anything is
changed; its pixels are not masked. The pixel data of every other image is kept byte for byte.

Sources: DICOM PS3.15 Annex E (E.1.1, Table E.1-1, E.3.x options), PS3.16 CID 7050, PS3.5 B.2 (``2.25`` UIDs);
``dicom-anonymizer`` ``dicom_anonymization_databases`` (the table) and ``simpledicomanonymizer`` (dummy values);
dicognito (consistent UID replacement).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib
from typing import Any

from pydicom import __version_info__ as _pydicom_version
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID

from backend.cmr.errors import CMRError

DICOM_ROOT = "1.2.840.10008."

#: The release of Table E.1-1 used: a module of ``dicomanonymizer.dicom_anonymization_databases``.
PROFILE_TABLE = "dicomfields_2026c"

#: The table's categories (``dicom-anonymizer``'s list names) and their PS3.15 action codes.
CATEGORY_ACTIONS = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}

#: VRs removed wherever the table does not list the attribute: names, dates and times, free text, locations and
#: application entities, and content whose VR is unknown.
REMOVE_VRS = frozenset({"PN", "DA", "DT", "TM", "LT", "ST", "UT", "UC", "UR", "AE", "UN"})

#: Dummy values for the profile's D action, by VR (the ``simpledicomanonymizer`` choices; dates as 1900-01-01).
DUMMY_VALUES: dict[str, Any] = {
    **dict.fromkeys(("AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"), "ANONYMIZED"),
    "AS": "000Y",
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "DS": "0",
    "IS": "0",
    "UR": "http://anonymized.invalid",
    **dict.fromkeys(("FD", "FL", "SL", "SS", "SV", "UL", "US", "UV"), 0),
    **dict.fromkeys(("OB", "OD", "OF", "OL", "OV", "OW", "UN"), b"\x00\x00"),
}

BURNED_IN_MESSAGE = (
    "This image has text burned into its pixels (Burned In Annotation = YES), which may identify the patient; "
    "export it from the scanner without annotations."
)
#: De-identification Method (0012,0063): LO, each value at most 64 characters.
METHOD = ("PS3.15 Basic Application Level Confidentiality Profile", "Table E.1-1 of DICOM 2026c", "UIDs: HMAC 2.25")
#: PS3.16 CID 7050 codes claimed. Not claimed: Clean Descriptors (113105: descriptors are removed), Retain UIDs
#: (113110: replaced), Retain Longitudinal Temporal Information (113106/113107: dates removed), Retain Safe Private.
METHOD_CODES = (("113100", "Basic Application Confidentiality Profile"),)


class BurnedInAnnotationError(CMRError):
    """The image declares text burned into its pixels (Burned In Annotation (0028,0301) = YES)."""

    default_message = BURNED_IN_MESSAGE


class UidMapper:
    """Consistent UID replacement under a site secret.

    Parameters
    ----------
    secret : str
        The site's de-identification secret (``MYOQA_DEID_SECRET``).
    """

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def uid(self, original: str) -> str:
        """New UID for ``original``: ``2.25.`` + 120 bits of HMAC-SHA256, as a decimal (PS3.5 B.2).

        Parameters
        ----------
        original : str
            A UID; DICOM-defined UIDs (SOP classes, transfer syntaxes) and empty values are returned unchanged.

        Returns
        -------
        str
            At most 44 characters.
        """
        original = str(original).strip()
        if not original or original.startswith(DICOM_ROOT):
            return original
        digest = hmac.new(self._key, original.encode(), hashlib.sha256).digest()
        return "2.25." + str(int.from_bytes(digest[:15], "big"))

    def patient_id(self, original: str) -> str:
        """Pseudonymous Patient ID.

        Parameters
        ----------
        original : str
            The original Patient ID.

        Returns
        -------
        str
            ``MYOQA-`` + 12 hex digits of an HMAC of the original: the same patient gives the same pseudonym.
        """
        return "MYOQA-" + hmac.new(self._key, b"pid:" + str(original).encode(), hashlib.sha256).hexdigest()[:12]


@functools.cache
def profile_actions() -> dict[int, str]:
    """PS3.15 Table E.1-1 as shipped by ``dicom-anonymizer``: tag -> action code.

    Returns
    -------
    dict of int to str
        Each listed attribute (tag as ``0xGGGGEEEE``) and its Basic Profile action (``"X"``, ``"Z"``, ``"D"``,
        ``"U"``, ``"Z/D"``, ``"X/Z"``, ``"X/D"``, ``"X/Z/D"``, ``"X/Z/U*"``). The table's repeating-group rows
        (curves 50xx, overlay data and comments 60xx) are not here: whole groups 50xx and 60xx are removed.

    Raises
    ------
    RuntimeError
        The table lists an attribute under two actions (a broken release of the package).
    """
    table = importlib.import_module(f"dicomanonymizer.dicom_anonymization_databases.{PROFILE_TABLE}")
    actions: dict[int, str] = {}
    for category, code in CATEGORY_ACTIONS.items():
        for entry in getattr(table, category):
            if len(entry) != 2:  # (group, element, group mask, element mask): 50xx / 60xx, handled by group
                continue
            tag = (entry[0] << 16) | entry[1]
            if actions.setdefault(tag, code) != code:
                raise RuntimeError(f"Table E.1-1 ({PROFILE_TABLE}) lists {tag:08X} as {actions[tag]} and {code}.")
    return actions


def _is_removed_group(tag: BaseTag) -> bool:
    """Private tags, curves (50xx), overlays (60xx), group lengths, command (0000) and file-meta (0002) elements."""
    group = tag.group
    return tag.is_private or tag.element == 0x0000 or group in (0x0000, 0x0002) or (group & 0xFF00) in (0x5000, 0x6000)


def _operation(vr: str, action: str | None) -> str:
    """What is done to an element of ``vr`` whose Table E.1-1 action is ``action`` (None: not listed)."""
    if vr == "UN" or (action is not None and action.startswith("X")):
        return "remove"
    if action in ("Z", "Z/D"):
        return "empty"
    if vr == "UI":  # action U or D (a new UID is the dummy), or not listed: replaced consistently
        return "uid"
    if action == "D":
        return "remove" if vr == "SQ" else "dummy"
    if action == "U" or vr in REMOVE_VRS:  # a listed UID attribute of another VR has nothing to map
        return "remove"
    return "recurse" if vr == "SQ" else "keep"


def _clean(dataset: Dataset, mapper: UidMapper) -> None:
    """Apply the profile and the project's rules to ``dataset`` and, recursively, to every sequence item."""
    table = profile_actions()
    for tag in list(dataset.keys()):
        if _is_removed_group(tag):
            del dataset[tag]
            continue
        try:
            elem = dataset[tag]  # decodes a raw element; one that cannot be decoded cannot be judged
        except Exception:  # noqa: BLE001 -- any decoding failure (bad VR, bad length, bad value) removes it
            del dataset[tag]
            continue
        vr = str(elem.VR)
        op = _operation(vr, table.get(int(tag)))
        if op == "remove":
            del dataset[tag]
        elif op == "empty":
            elem.value = Sequence() if vr == "SQ" else None
        elif op == "dummy":
            elem.value = DUMMY_VALUES.get(vr)
        elif op == "uid":
            if elem.VM > 1:
                elem.value = [mapper.uid(v) for v in elem.value]
            elif elem.value:
                elem.value = mapper.uid(elem.value)
        elif op == "recurse":
            for item in elem.value:
                _clean(item, mapper)


def _burned_in(ds: Dataset) -> bool:
    try:
        value = ds.get("BurnedInAnnotation", "")
    except Exception:  # noqa: BLE001 -- an undecodable value is no claim of burned-in text; _clean removes it
        return False
    return str(value or "").strip().upper() == "YES"


def _rebuild_file_meta(ds: Dataset, mapper: UidMapper) -> None:
    old = ds.file_meta
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    sop_class = ds.get("SOPClassUID") or old.get("MediaStorageSOPClassUID")
    if sop_class:
        meta.MediaStorageSOPClassUID = UID(str(sop_class))
    sop_instance = ds.get("SOPInstanceUID") or mapper.uid(str(old.get("MediaStorageSOPInstanceUID", "") or ""))
    if sop_instance:
        meta.MediaStorageSOPInstanceUID = UID(str(sop_instance))
    if old.get("TransferSyntaxUID"):
        meta.TransferSyntaxUID = UID(str(old.TransferSyntaxUID))
    meta.ImplementationClassUID = UID(PYDICOM_IMPLEMENTATION_UID)
    meta.ImplementationVersionName = "PYDICOM " + ".".join(_pydicom_version)
    ds.file_meta = meta


def deidentify(ds: Dataset, mapper: UidMapper) -> Dataset:
    """De-identify a dataset in place (and return it).

    Parameters
    ----------
    ds : pydicom Dataset
        With or without its file meta; pixel data is kept unchanged.
    mapper : UidMapper
        The site's UID and Patient ID mapping.

    Returns
    -------
    Dataset
        The same object, de-identified as the module docstring describes.

    Raises
    ------
    BurnedInAnnotationError
        Burned In Annotation (0028,0301) is YES; the dataset is left unchanged.
    """
    if _burned_in(ds):
        raise BurnedInAnnotationError()
    try:
        original_pid = str(ds.get("PatientID", "") or "")
    except Exception:  # noqa: BLE001 -- an undecodable Patient ID still gets a pseudonym (of nothing)
        original_pid = ""
    _clean(ds, mapper)
    ds.PatientID = mapper.patient_id(original_pid)
    ds.PatientName = "ANONYMOUS"
    ds.PatientIdentityRemoved = "YES"
    ds.LongitudinalTemporalInformationModified = "REMOVED"
    ds.DeidentificationMethod = list(METHOD)
    codes = []
    for value, meaning in METHOD_CODES:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        codes.append(item)
    ds.DeidentificationMethodCodeSequence = codes
    if getattr(ds, "file_meta", None) is not None:
        _rebuild_file_meta(ds, mapper)
    if getattr(ds, "preamble", None) is not None:
        ds.preamble = b"\x00" * 128
    return ds
