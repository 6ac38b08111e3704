from __future__ import annotations

import numpy as np

from backend.cmr.segments import AHA_MID_SEGMENTS, display_angle_deg, polygon_centroid, sector_index, sector_scheme
from tests.cmr.synthetic import circle


def test_display_angles_count_counter_clockwise_with_rows_growing_downwards():
    pts = np.array([[11, 10], [10, 9], [9, 10], [10, 11]], float)  # right, up, left, down of (10, 10)
    assert np.allclose(display_angle_deg(pts, (10, 10)), [0, 90, 180, 270])


def test_polygon_centroid_of_an_off_centre_circle():
    assert np.allclose(polygon_centroid(circle(33.0, 21.5, 7)), (33.0, 21.5), atol=1e-9)


def test_numbered_sectors_follow_the_documented_layout_without_an_rv_insertion_point():
    scheme = sector_scheme(circle(50, 50, 10))
    assert not scheme.named and scheme.names[0] == "sector 1"
    # 12 o'clock -> sector 1; 150 deg -> sector 2; 6 o'clock -> sector 4; 30 deg -> sector 6.
    ang = np.radians([90, 150, 270, 30])
    pts = np.column_stack([50 + 10 * np.cos(ang), 50 - 10 * np.sin(ang)])
    assert list(sector_index(pts, scheme)) == [0, 1, 3, 5]


def test_aha_names_are_anchored_on_the_rv_insertion_point():
    endo = circle(50, 50, 10)
    # Insertion point straight up (90 deg): anteroseptal covers 90..150, anterior 30..90.
    scheme = sector_scheme(endo, rv_insertion=(50, 30))
    assert scheme.named and scheme.names == AHA_MID_SEGMENTS
    ang = np.radians([120, 60, 240, 180])
    pts = np.column_stack([50 + 10 * np.cos(ang), 50 - 10 * np.sin(ang)])
    names = [scheme.names[i] for i in sector_index(pts, scheme)]
    assert names == ["anteroseptal", "anterior", "inferior", "inferoseptal"]
