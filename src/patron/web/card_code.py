"""A loyalty card's number as a QR code and as a Code 128 barcode, in SVG, for the portal
to show on a phone (a till's scanner reads one or the other; docs/cards.md).

segno (pure Python) makes the code's matrix; the SVG is written here from it: one path of
the dark modules, row by row, inside the four-module quiet zone the standard asks for, so
that a till's scanner reads it from a screen. The code holds the card number alone, in
QR's numeric mode (a 16-digit number fits version 1, 21 by 21 modules, with error
correction level M: 15% of the code may be unreadable). No script, no image request.

The barcode: python-barcode encodes the number in Code 128 (start code C, two digits a
symbol, its check symbol, the stop pattern) as a string of modules, dark `1`, light `0`;
the SVG is written here from it, one `<rect>` a bar, inside the quiet zone of ten modules
each side that ISO/IEC 15417 asks for. Written here rather than by python-barcode's own
SVG writer (sized in millimetres, a whole XML document): the page inlines it and scales
it by its viewBox, as the QR code.
"""

from __future__ import annotations

from markupsafe import Markup, escape

QUIET = 4  # modules of white around the code (ISO/IEC 18004)
BAR_QUIET = 10  # modules of white left and right of a Code 128 barcode (ISO/IEC 15417)
BAR_HEIGHT = 40  # the bars' height in modules (0.15 of the width of a 16-digit number's)


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


def code128_modules(text: str) -> str:
    """The Code 128 barcode of `text` as modules, dark `1` and light `0` (no quiet zone)."""
    from barcode import Code128

    modules: str = Code128(text).build()[0]
    return modules


def barcode_svg(text: str, label: str, width: int = 300) -> Markup:
    """The Code 128 barcode of `text` as an inline SVG `width` pixels wide, one `<rect>`
    per bar, named `label` for screen readers."""
    modules = code128_modules(text)
    side = len(modules) + 2 * BAR_QUIET
    bars: list[str] = []
    x = 0
    while x < len(modules):
        if modules[x] != "1":
            x += 1
            continue
        start = x
        while x < len(modules) and modules[x] == "1":
            x += 1
        bars.append(
            f'<rect x="{start + BAR_QUIET}" y="0" width="{x - start}" height="{BAR_HEIGHT}"/>'
        )
    height = round(width * BAR_HEIGHT / side)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" width="{width}"'
        f' height="{height}" viewBox="0 0 {side} {BAR_HEIGHT}" preserveAspectRatio="none"'
        f' shape-rendering="crispEdges"><title>{escape(label)}</title>'
        f'<rect class="background" width="{side}" height="{BAR_HEIGHT}" fill="#fff"/>'
        f'<g fill="#000">{"".join(bars)}</g></svg>'
    )
