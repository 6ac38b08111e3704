"""``python manage.py export_contours``: write any contour file MyoQA reads as a DICOM SEG or RTSTRUCT on an image.

    python manage.py export_contours --image IMG.dcm --contours FILE --format seg|rtstruct --out OUT.dcm

``FILE`` is anything :func:`backend.cmr.sav.read_contours` reads (IDL SAV, DICOM SEG / RTSTRUCT, JSON polygons,
.npy / .png mask), validated against the image; the output references the image given (its Study, Series, SOP
Instance and Frame of Reference UIDs) as it is: run it on the de-identified DICOM the site serves
(``GET /api/cases/{id}/dicom``) for a file that matches the case. ``--binary`` writes a BINARY SEG (the default is
FRACTIONAL with a probability edge, see :func:`backend.cmr.dicom_contours.seg_bytes`). Exit status 0 on success, 2 on
bad input (one line on stderr).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from backend.cmr.errors import CMRError


class Command(BaseCommand):
    help = "Write a contour file (SAV, SEG, RTSTRUCT, JSON, mask) as a DICOM SEG or RTSTRUCT on a DICOM image."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--image", required=True, nargs="+", metavar="PATH", help="the DICOM image file(s)")
        parser.add_argument("--contours", required=True, metavar="FILE", help="any contour file MyoQA reads")
        parser.add_argument("--format", required=True, choices=["seg", "rtstruct"], help="the DICOM object to write")
        parser.add_argument("--out", required=True, metavar="OUT.dcm", help="the file to write")
        parser.add_argument("--binary", action="store_true", help="SEG: BINARY segments instead of FRACTIONAL")
        parser.add_argument("--slice-location", type=float, default=None, help="slice of a multi-slice image")

    def handle(self, *args, **opt) -> None:
        from backend.cmr.contours import lv_regions, wall_contours
        from backend.cmr.dicom import read_image
        from backend.cmr.dicom_contours import geometry_from_datasets, rtstruct_bytes, seg_bytes
        from backend.cmr.sav import read_contours

        try:
            paths = [Path(p) for p in opt["image"]]
            for p in [*paths, Path(opt["contours"])]:
                if not p.exists():
                    raise CMRError(f"File not found: {p}")
            read = read_image(
                paths if len(paths) > 1 else paths[0],
                slice_location=opt["slice_location"],
                max_bytes=settings.CMR_MAX_UPLOAD_BYTES,
            )
            geometry = geometry_from_datasets(read.datasets)
            shape = (read.image.rows, read.image.columns)
            try:
                cs = read_contours(
                    opt["contours"],
                    image_shape=shape,
                    names=settings.CMR_SAV_NAMES,
                    timeout_s=settings.CMR_PARSE_TIMEOUT_S,
                    geometry=geometry,
                    dicom_names=settings.CMR_DICOM_CONTOUR_NAMES,
                )
            except CMRError as exc:
                raise type(exc)(f"Contours ({Path(opt['contours']).name}): {exc}") from None
            regions = lv_regions(cs, shape)
            description = f"MyoQA export of {Path(opt['contours']).name}"
            if opt["format"] == "seg":
                data = seg_bytes(
                    geometry,
                    myocardium=regions.myocardium,
                    cavity=regions.cavity,
                    endocardium=cs.endocardium if cs.has_polygons else None,
                    epicardium=cs.epicardium if cs.has_polygons else None,
                    fractional=not opt["binary"],
                    series_description=description,
                )
            else:
                endo, epi = wall_contours(cs, shape, regions=regions)
                if endo is None or epi is None:
                    raise CMRError("These contours have no endocardium or epicardium to write as an RTSTRUCT.")
                data = rtstruct_bytes(geometry, endocardium=endo, epicardium=epi, series_description=description)
        except CMRError as exc:
            self.stderr.write(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            sys.exit(2)
        Path(opt["out"]).write_bytes(data)
        self.stdout.write(
            f"Wrote {opt['format'].upper()} {opt['out']} ({len(data)} bytes) on image {geometry.sop_instance_uids[0]}"
        )
