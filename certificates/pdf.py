"""The printable membership certificate: one A4 page drawn with ReportLab.

City names come in Latin with Turkish and South Slavic letters, in Cyrillic and
in Greek, which ReportLab's built-in fonts cannot show; Noto Sans (the
fontpkg-noto-sans package) covers all three scripts and is embedded, subset,
in the PDF. Nothing is fetched from the network.
"""

import functools
import io
import unicodedata

import fontpkg
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates.qr import qr_draw


def capitals(text: str) -> str:
    """Upper case as each language writes it: Greek capitals drop the tonos
    (ΑΝΑΚΛΗΘΗΚΕ, not ΑΝΑΚΛΉΘΗΚΕ); Turkish i and ı become İ and I."""
    language = get_language() or ""
    if language.startswith("tr"):
        text = text.replace("i", "İ").replace("ı", "I")
    upper = text.upper()
    if language.startswith("el"):
        decomposed = unicodedata.normalize("NFD", upper)
        upper = unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))
    return upper


FONT = "NotoSans"
BRAND = HexColor("#0b4f8a")
BRAND_DARK = HexColor("#08365e")
INK = HexColor("#1b2430")
MUTED = HexColor("#4a5563")
ACCENT = HexColor("#b8461b")
# Big enough for a phone to read a long address from a printout: 55 mm.
QR_SIZE = 55 * mm


@functools.cache
def font_registered() -> str:
    """Register the certificate's font with ReportLab, once per process."""
    # The variable font's default instance is the regular weight.
    pdfmetrics.registerFont(TTFont(FONT, str(fontpkg.path("Noto Sans"))))
    return FONT


def certificate_pdf_render(certificate, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes, its QR code pointing at ``verify_url``."""
    font = font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(
        _("B40 membership certificate %(serial)s") % {"serial": certificate.serial}
    )
    canvas.setAuthor(_("B40 Balkan Cities Network"))
    canvas.setSubject(certificate.city_name)
    CertificatePage(canvas, certificate, verify_url, font).draw()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class CertificatePage:
    """Draws one certificate; each method one part of the page, top to bottom."""

    def __init__(self, canvas, certificate, verify_url, font):
        self.canvas = canvas
        self.certificate = certificate
        self.verify_url = verify_url
        self.font = font
        self.width, self.height = A4
        self.centre = self.width / 2

    def draw(self):
        self.frame()
        self.heading()
        y = self.body()
        self.founding_seal(y)
        self.details()
        self.footnote()
        if self.certificate.revoked_at:
            self.revoked_mark()

    # Drawing helpers

    def text(self, text, *, y, size, colour=INK, bold=False, x=None, align="centre"):
        canvas = self.canvas
        x = self.centre if x is None else x
        canvas.saveState()
        canvas.setFillColor(colour)
        if bold:
            # The variable font embeds one weight; a thin outline of the same
            # colour gives the headings their weight.
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(size / 40)
        text_object = canvas.beginText()
        text_object.setFont(self.font, size)
        text_object.setTextRenderMode(2 if bold else 0)
        width = pdfmetrics.stringWidth(text, self.font, size)
        if align == "centre":
            x -= width / 2
        elif align == "right":
            x -= width
        text_object.setTextOrigin(x, y)
        text_object.textOut(text)
        canvas.drawText(text_object)
        canvas.restoreState()

    def fitted_size(self, text, *, size, width):
        """The largest size up to ``size`` at which the text fits in ``width``."""
        actual = pdfmetrics.stringWidth(text, self.font, size)
        return size if actual <= width else size * width / actual

    def spaced(self, text, spacing=0.18):
        """Capitals letter-spaced for a title line."""
        return "\u2009".join(capitals(text)) if spacing else text

    # The page

    def frame(self):
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(3)
        canvas.rect(12 * mm, 12 * mm, self.width - 24 * mm, self.height - 24 * mm)
        canvas.setLineWidth(0.8)
        canvas.rect(15 * mm, 15 * mm, self.width - 30 * mm, self.height - 30 * mm)
        canvas.restoreState()

    def heading(self):
        canvas = self.canvas
        top = self.height - 38 * mm
        mark_width, mark_height = 26 * mm, 12 * mm
        canvas.saveState()
        canvas.setFillColor(BRAND)
        canvas.roundRect(
            self.centre - mark_width / 2,
            top,
            mark_width,
            mark_height,
            2 * mm,
            stroke=0,
            fill=1,
        )
        canvas.restoreState()
        self.text("B40", y=top + 3 * mm, size=22, colour=Color(1, 1, 1), bold=True)
        self.text(
            self.spaced(_("Balkan Cities Network")),
            y=top - 9 * mm,
            size=11,
            colour=BRAND_DARK,
        )
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(
            self.centre - 30 * mm, top - 14 * mm, self.centre + 30 * mm, top - 14 * mm
        )
        canvas.restoreState()
        title = _("Certificate of Membership")
        self.text(
            title,
            y=top - 30 * mm,
            size=self.fitted_size(title, size=30, width=self.width - 50 * mm),
            colour=BRAND_DARK,
            bold=True,
        )

    def body(self) -> float:
        """The certified facts; returns the height below which the page is free."""
        certificate = self.certificate
        usable = self.width - 50 * mm
        y = self.height - 82 * mm
        # Translations run longer than English: every line is fitted.
        opening = _("This is to certify that the city of")
        size = self.fitted_size(opening, size=13, width=usable)
        self.text(opening, y=y, size=size, colour=MUTED)
        y -= 19 * mm
        size = self.fitted_size(certificate.city_name, size=40, width=usable)
        self.text(certificate.city_name, y=y, size=size, bold=True)
        if certificate.local_name:
            y -= 12 * mm
            size = self.fitted_size(certificate.local_name, size=24, width=usable)
            self.text(certificate.local_name, y=y, size=size, colour=BRAND_DARK)
        y -= 11 * mm
        country = str(certificate.country.name)
        size = self.fitted_size(country, size=16, width=usable)
        self.text(country, y=y, size=size, colour=MUTED)
        y -= 17 * mm
        statement = _("is a member of the B40 Balkan Cities Network")
        size = self.fitted_size(statement, size=15, width=usable)
        self.text(statement, y=y, size=size)
        y -= 12 * mm
        self.text(_("Member since"), y=y, size=11, colour=MUTED)
        y -= 8 * mm
        self.text(
            certificate.member_since_display,
            y=y,
            size=17,
            bold=True,
            colour=BRAND_DARK,
        )
        return y

    def founding_seal(self, y):
        if not self.certificate.founding:
            return
        canvas = self.canvas
        radius = 15 * mm
        cx, cy = self.centre, y - 9 * mm - radius
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.6)
        canvas.circle(cx, cy, radius)
        canvas.setLineWidth(0.6)
        canvas.circle(cx, cy, radius - 1.6 * mm)
        canvas.restoreState()
        words = capitals(_("Founding member")).split()
        size = min(
            self.fitted_size(word, size=8.5, width=2 * radius - 7 * mm)
            for word in words
        )
        line_height = size * 1.25
        first = cy + (len(words) - 1) * line_height / 2 - size * 0.35
        for index, word in enumerate(words):
            self.text(
                word,
                y=first - index * line_height,
                size=size,
                colour=ACCENT,
                bold=True,
            )
        self.text(
            _("Istanbul, 2021"),
            y=cy - radius - 5 * mm,
            size=9,
            colour=ACCENT,
        )

    def details(self):
        certificate = self.certificate
        left = 25 * mm
        bottom = 30 * mm
        qr_x = self.width - 25 * mm - QR_SIZE
        qr_draw(self.canvas, self.verify_url, x=qr_x, y=bottom, size=QR_SIZE)
        self.text(
            _("Scan to verify"),
            x=qr_x + QR_SIZE / 2,
            y=bottom + QR_SIZE + 2 * mm,
            size=9,
            colour=MUTED,
        )
        issued = formats.date_format(certificate.issued_on, "DATE_FORMAT")
        rows = [
            (_("Serial number"), certificate.serial),
            (_("Date of issue"), issued),
        ]
        y = bottom + QR_SIZE - 4 * mm
        for label, value in rows:
            self.text(label, x=left, y=y, size=9, colour=MUTED, align="left")
            self.text(value, x=left, y=y - 6 * mm, size=14, align="left", bold=True)
            y -= 16 * mm
        self.text(
            _("Verify this certificate at:"),
            x=left,
            y=y,
            size=9,
            colour=MUTED,
            align="left",
        )
        width = qr_x - left - 8 * mm
        for line in self.wrapped(self.verify_url, size=7, width=width):
            y -= 3.4 * mm
            self.text(line, x=left, y=y, size=7, colour=BRAND_DARK, align="left")

    def footnote(self):
        """Two lines at most between the QR code and the frame, in any language."""
        text = _(
            "This certificate states the registry's record on the date of issue. "
            "The verification address shows whether it still holds today."
        )
        width = self.width - 50 * mm
        size = 7.5
        lines = self.words_wrapped(text, size=size, width=width)
        while len(lines) > 2 and size > 5.5:
            size -= 0.25
            lines = self.words_wrapped(text, size=size, width=width)
        leading = size * 1.35
        y = 19 * mm + (len(lines) - 1) * leading
        for line in lines:
            self.text(line, y=y, size=size, colour=MUTED)
            y -= leading

    def words_wrapped(self, text, *, size, width):
        """Break text into lines that fit, between words where it can."""
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if line and pdfmetrics.stringWidth(candidate, self.font, size) > width:
                lines.append(line)
                candidate = word
            line = candidate
        lines.append(line)
        # A word wider than the line (none in a sentence, but a translation
        # may differ) is broken anywhere rather than left to run over.
        return [
            part
            for line in lines
            for part in self.wrapped(line, size=size, width=width)
        ]

    def wrapped(self, text, *, size, width):
        """Break an address into lines that fit, anywhere (it has no spaces)."""
        lines, line = [], ""
        for char in text:
            if line and pdfmetrics.stringWidth(line + char, self.font, size) > width:
                lines.append(line)
                line = ""
            line += char
        return [*lines, line]

    def revoked_mark(self):
        canvas = self.canvas
        canvas.saveState()
        canvas.translate(self.centre, self.height / 2)
        canvas.rotate(35)
        canvas.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.35))
        word = capitals(_("Revoked"))
        size = self.fitted_size(word, size=110, width=self.width * 0.9)
        canvas.setFont(self.font, size)
        canvas.drawCentredString(0, -size / 3, word)
        canvas.restoreState()
