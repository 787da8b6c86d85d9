"""A loyalty card's number as a QR code, in SVG, for the portal to show on a phone.

segno (pure Python) makes the code's matrix; the SVG is written here from it: one path of
the dark modules, row by row, inside the four-module quiet zone the standard asks for, so
that a till's scanner reads it from a screen. The code holds the card number alone, in
QR's numeric mode (a 16-digit number fits version 1, 21 by 21 modules, with error
correction level M: 15% of the code may be unreadable). No script, no image request.
"""

from __future__ import annotations

from markupsafe import Markup, escape

QUIET = 4  # modules of white around the code (ISO/IEC 18004)


def qr_matrix(text: str) -> list[list[bool]]:
    """The code's modules, dark True, row by row (no quiet zone)."""
    import segno

    code = segno.make_qr(text, error="m", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix]


def qr_svg(text: str, label: str, size: int = 240) -> Markup:
    """The QR code of `text` as an inline SVG `size` pixels wide, named `label` for
    screen readers."""
    matrix = qr_matrix(text)
    side = len(matrix) + 2 * QUIET
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + QUIET} {y + QUIET}h{x - start}v1h-{x - start}z")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" width="{size}"'
        f' height="{size}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f"<title>{escape(label)}</title>"
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
