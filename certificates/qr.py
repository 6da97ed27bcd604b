"""QR codes of registry addresses, as SVG for the web and as vector squares in PDFs.

Error correction level M survives a crease or a smudge on a printout while
keeping a long verification address at a size phones read from arm's length.
"""

import io

import segno

ERROR = "m"
# The quiet zone the QR standard asks for around the symbol, in modules.
BORDER = 4


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, micro=False)


def qr_svg_inline(url: str, *, title: str, scale: int = 4) -> str:
    """An <svg> element to put in a page; its <title> is the text alternative."""
    svg = qr_code(url).svg_inline(
        scale=scale,
        border=BORDER,
        title=title,
        svgclass="qr-code",
        lineclass=None,
        # A viewBox rather than a fixed size, so CSS scales it.
        omitsize=True,
    )
    # role="img" makes screen readers announce the <title> as one image
    # rather than walk into the drawing.
    return svg.replace("<svg ", '<svg role="img" ', 1)


def qr_svg_document(url: str, *, title: str, scale: int = 10) -> bytes:
    """A standalone SVG file of the code, to download and print."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=scale, border=BORDER, title=title)
    return buffer.getvalue()


def qr_draw(canvas, url: str, *, x: float, y: float, size: float) -> None:
    """Draw the code on a ReportLab canvas as filled squares, ``size`` points wide
    (quiet zone included), its lower-left corner at (x, y)."""
    matrix = qr_code(url).matrix
    modules = len(matrix) + 2 * BORDER
    step = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + BORDER) * step
        column = 0
        # One rectangle per run of dark modules keeps the PDF small and leaves
        # no hairline gaps between neighbours when it is rasterised.
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(
                    x + (start + BORDER) * step,
                    top - step,
                    (column - start) * step,
                    step,
                )
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
