"""MyoQA analysis core: pure NumPy/SciPy, never imports Django.

Conventions used throughout (see ``README.md`` and ``../shared/docs/domain.md``):

* Images are ``float64`` arrays of shape ``(rows, columns)`` (or ``(n_echoes, rows, columns)``).
* Contours are ``(N, 2)`` float arrays of pixel coordinates ``(x, y)`` = ``(column, row)``; integer values are
  pixel centres; the polygon is implicitly closed (the first point is not repeated).
* Masks are boolean arrays of shape ``(rows, columns)``.
* Pixel spacing is ``(dy, dx)`` in mm, as DICOM Pixel Spacing ``[row spacing, column spacing]``.
* Every reported distance is in mm, every time in ms.
"""
