/**
 * GET /api/cases/{id}/dicom — the de-identified DICOM (application/dicom), or a zip of the echo series, as a
 * download. A plain link: the browser sends the session cookie and saves the file.
 */
export function dicomUrl(caseId: number): string {
  return `/api/cases/${caseId}/dicom`;
}
