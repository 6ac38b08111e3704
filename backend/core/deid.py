"""De-identification of uploaded DICOM, once, on ingest, before anything is stored.

Follows the DICOM PS3.15 Annex E **Basic Application Level Confidentiality Profile**, with these choices:

* every element of VR PN (person names), DA, DT and TM (dates and times) is removed, at any depth of sequences;
* the identifying attributes of the profile's table that are not names or dates (patient ID and other IDs,
  addresses, institution, station, device serial number, accession number, study ID, comments, ...) are removed,
  except Patient ID, which is replaced by a pseudonym (``MYOQA-`` + 12 hex digits of an HMAC of the original);
* **UIDs are replaced consistently**, not removed (dicognito's approach; pydicom/deid's default recipe removes them
  and breaks the link between a contour, its image and the other echoes): every UI value that is not a DICOM-defined
  UID (SOP classes, transfer syntaxes: root ``1.2.840.10008.``) becomes ``2.25.<decimal of 120 bits of
  HMAC-SHA256(site secret, uid)>``. The same original UID gives the same new UID in every upload of the site, so two
  echoes of one series still share one (new) Series Instance UID, and a re-upload of the same image maps alike;
* private tags are dropped (the analysis has already read what it needs, e.g. GE (0043,102F), before this runs);
* Patient Identity Removed (0012,0062) = YES and De-identification Method (0012,0063) describe what was done.
Series Description and the Real World Value Mapping are kept (the "Retain ... Descriptors" choice): they carry the
kind of map and its units, not identity.
"""

from __future__ import annotations

import hashlib
import hmac

from pydicom.dataset import Dataset
from pydicom.uid import UID

DICOM_ROOT = "1.2.840.10008."

# PS3.15 Table E.1-1 identifying attributes (keywords) removed besides all PN/DA/DT/TM elements.
REMOVE_KEYWORDS = frozenset(
    {
        "OtherPatientIDs",
        "OtherPatientIDsSequence",
        "OtherPatientNames",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "PatientAge",
        "PatientSex",
        "PatientSize",
        "PatientWeight",
        "PatientComments",
        "PatientInsurancePlanCodeSequence",
        "PatientReligiousPreference",
        "MilitaryRank",
        "BranchOfService",
        "MedicalRecordLocator",
        "EthnicGroup",
        "Occupation",
        "AdditionalPatientHistory",
        "PregnancyStatus",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "InstitutionCodeSequence",
        "StationName",
        "DeviceSerialNumber",
        "AccessionNumber",
        "StudyID",
        "StudyDescription",
        "ImageComments",
        "RequestAttributesSequence",
        "ReferringPhysicianAddress",
        "ReferringPhysicianTelephoneNumbers",
        "PhysiciansOfRecordIdentificationSequence",
        "PerformingPhysicianIdentificationSequence",
        "OperatorIdentificationSequence",
        "AdmittingDiagnosesDescription",
        "AdmissionID",
        "IssuerOfPatientID",
        "PatientBirthName",
        "PatientMotherBirthName",
        "CountryOfResidence",
        "RegionOfResidence",
        "CurrentPatientLocation",
        "PerformedProcedureStepID",
        "PerformedProcedureStepDescription",
        "RequestedProcedureID",
        "RequestedProcedureDescription",
        "ScheduledProcedureStepID",
        "ProtocolName",
        "DerivationDescription",
        "ContentCreatorName",
        "DetectorID",
        "GantryID",
        "PlateID",
        "ResponsibleOrganization",
        "ReferencedPatientSequence",
        "ReferencedStudySequence",
        "ReferencedPerformedProcedureStepSequence",
        "SourceImageSequence",
        "ReferencedImageSequence",
    }
)
REMOVE_VRS = frozenset({"PN", "DA", "DT", "TM"})
METHOD = "MyoQA: PS3.15 Basic Profile, UIDs replaced (HMAC)"  # LO: at most 64 characters
# PS3.16 CID 7050 codes: Basic Application Confidentiality Profile; Retain UIDs Option is NOT claimed (replaced).
METHOD_CODES = (("113100", "Basic Application Confidentiality Profile"),)


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
        """New UID for ``original``: ``2.25.`` + 120 bits of HMAC-SHA256, as a decimal (PS3.5 B.2); DICOM-defined
        UIDs (SOP classes, transfer syntaxes) are returned unchanged."""
        original = str(original).strip()
        if not original or original.startswith(DICOM_ROOT):
            return original
        digest = hmac.new(self._key, original.encode(), hashlib.sha256).digest()
        return "2.25." + str(int.from_bytes(digest[:15], "big"))

    def patient_id(self, original: str) -> str:
        """Pseudonymous Patient ID: ``MYOQA-`` + 12 hex digits of an HMAC of the original."""
        return "MYOQA-" + hmac.new(self._key, b"pid:" + str(original).encode(), hashlib.sha256).hexdigest()[:12]


def deidentify(ds: Dataset, mapper: UidMapper) -> Dataset:
    """De-identify a dataset in place (and return it).

    Parameters
    ----------
    ds : pydicom Dataset
        With its file meta; pixel data is kept.
    mapper : UidMapper

    Returns
    -------
    Dataset
        The same object, de-identified as the module docstring describes.
    """
    ds.remove_private_tags()
    original_pid = str(ds.get("PatientID", ""))

    def clean(dataset: Dataset) -> None:
        for elem in list(dataset):
            if elem.tag.is_private:
                del dataset[elem.tag]
                continue
            if elem.VR in REMOVE_VRS or elem.keyword in REMOVE_KEYWORDS:
                del dataset[elem.tag]
            elif elem.VR == "SQ":
                for item in elem.value:
                    clean(item)
            elif elem.VR == "UI" and elem.value:
                if elem.VM > 1:
                    elem.value = [mapper.uid(v) for v in elem.value]
                else:
                    elem.value = mapper.uid(elem.value)

    clean(ds)
    ds.PatientID = mapper.patient_id(original_pid)
    ds.PatientName = "ANONYMOUS"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    codes = []
    for value, meaning in METHOD_CODES:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        codes.append(item)
    ds.DeidentificationMethodCodeSequence = codes
    if getattr(ds, "file_meta", None) is not None:
        meta = ds.file_meta
        if "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = UID(mapper.uid(meta.MediaStorageSOPInstanceUID))
        for kw in ("SourceApplicationEntityTitle",):
            if kw in meta:
                delattr(meta, kw)
    return ds
