import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from django.utils import translation

from certificates import services
from certificates.pdf import capitals, certificate_pdf_render
from tests.certificates.factories import editor, member_city, office_user
from tests.factories import CityNameFactory

TOOLS = {
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "zbarimg": "zbar-tools",
}
SITE_URL = "https://registry.b40.example"
# The inner line of the printed frame, 15 mm in from each edge, in points.
FRAME = 15 * 72 / 25.4
A4_WIDTH, A4_HEIGHT = 595.2756, 841.8898


def tool(name: str) -> str:
    """The path of a command-line tool; the test fails, never skips, without it."""
    path = shutil.which(name, path="/usr/bin:/usr/local/bin")
    if path is None:
        raise AssertionError(
            f"{name} is missing: apt-get install -y {TOOLS[name]} (the PDF test "
            "needs it to read the printed QR code)."
        )
    return path


def pdf_qr_code(pdf: bytes) -> str:
    """Rasterise the PDF at 150 dpi as a printer would, and read its QR code."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "certificate.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            [tool("pdftoppm"), "-png", "-r", "150", "-singlefile", path, path.stem],
            cwd=directory,
            check=True,
        )
        decoded = subprocess.run(
            [tool("zbarimg"), "--raw", "-q", Path(directory) / "certificate.png"],
            capture_output=True,
            text=True,
            check=False,
        )
    return decoded.stdout.strip()


def pdf_words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every word printed on the first page, with its box (x0, y0, x1, y1) in
    points from the top left, as pdftotext finds them."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "certificate.pdf"
        path.write_bytes(pdf)
        html = subprocess.run(
            [tool("pdftotext"), "-bbox", path, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    words = []
    for element in ElementTree.fromstring(html).iter():
        if element.tag.endswith("word"):
            box = [float(element.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append((element.text, *box))
    return words


class CertificatePdfTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city(name="Istanbul", country="TR")
        CityNameFactory(city=cls.city, language="tr", name="İstanbul")

    @override_settings(
        B40_SITE_URL=SITE_URL, ALLOWED_HOSTS=["registry.internal", "testserver"]
    )
    def test_qr_code_reads_as_the_public_verification_address(self):
        """Downloaded through an internal host name, the PDF still points at the
        public site, in the language it was downloaded in."""
        certificate = services.certificate_issue(city=self.city, user=editor())
        self.client.force_login(office_user(self.city))
        for language in ("en", "tr"):
            with self.subTest(language=language), translation.override(language):
                response = self.client.get(
                    reverse("certificates:pdf", args=[certificate.serial]),
                    HTTP_HOST="registry.internal",
                )
                self.assertEqual(response.status_code, 200)
                url = SITE_URL + certificate.get_absolute_url()
                self.assertEqual(pdf_qr_code(response.content), url)
                if language == "tr":
                    self.assertIn("/tr/certificates/verify/", url)
                # The printed address, broken over lines, is the same one.
                words = pdf_words(response.content)
                self.assertIn(url, "".join(word for word, *_ in words))

    def test_everything_printed_stays_inside_the_frame_in_each_language(self):
        city = member_city(name="Thessaloniki", country="GR")
        CityNameFactory(city=city, language="el", name="Θεσσαλονίκη")
        certificate = services.certificate_issue(city=city, user=editor())
        url = SITE_URL + "/el/certificates/verify/" + certificate.token + "/"
        for language in ("el", "bg", "tr", "en"):
            with self.subTest(language=language), translation.override(language):
                words = pdf_words(certificate_pdf_render(certificate, verify_url=url))
                self.assertGreater(len(words), 30)
                outside = [
                    word
                    for word, x0, y0, x1, y1 in words
                    if x0 < FRAME
                    or y0 < FRAME
                    or x1 > A4_WIDTH - FRAME
                    or y1 > A4_HEIGHT - FRAME
                ]
                self.assertEqual(outside, [])

    def test_a4_with_the_font_embedded(self):
        certificate = services.certificate_issue(city=self.city, user=editor())
        pdf = certificate_pdf_render(certificate, verify_url="https://b40.example/v/")
        self.assertIn(b"/MediaBox [ 0 0 595.2756 841.8898 ]", pdf)
        # A subset of Noto Sans, embedded: the Turkish İ needs it.
        self.assertIn(b"/FontFile2", pdf)

    def test_revoked_certificate_still_renders(self):
        user = editor()
        certificate = services.certificate_issue(city=self.city, user=user)
        services.certificate_revoke(certificate=certificate, user=user, reason="Test.")
        pdf = certificate_pdf_render(certificate, verify_url="https://b40.example/v/")
        self.assertTrue(pdf.startswith(b"%PDF"))


class CapitalsTests(SimpleTestCase):
    """Titles on the certificate are set in capitals, as each language writes them."""

    def test_greek_capitals_drop_the_tonos(self):
        with translation.override("el"):
            self.assertEqual(capitals("Ανακλήθηκε"), "ΑΝΑΚΛΗΘΗΚΕ")

    def test_turkish_dotted_i_stays_dotted(self):
        with translation.override("tr"):
            self.assertEqual(capitals("İptal edildi"), "İPTAL EDİLDİ")
            self.assertEqual(capitals("kapalı"), "KAPALI")

    def test_other_languages_keep_their_marks(self):
        with translation.override("bg"):
            self.assertEqual(capitals("Отменено"), "ОТМЕНЕНО")
        with translation.override("en"):
            self.assertEqual(capitals("Revoked"), "REVOKED")
