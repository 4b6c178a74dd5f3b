"""The PDF guide for a commune and a theme (issue #14): WeasyPrint with Debian's Noto fonts, rendered to PNG
by pdftoppm so a person can look at it (var/screenshots/guide-chenove-ar-1.png): right to left, Arabic
letters joined, no tofu boxes."""

import shutil
import subprocess

import pytest

from tests.browser.harness import SCREENSHOTS
from tests.browser.sample import FRANCAIS, build_sample

pytestmark = pytest.mark.django_db


def pdf_tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (poppler-utils) is needed to check the PDF"
    return path


def test_guide_for_chenove_in_arabic_renders_shaped_right_to_left(client):
    build_sample()
    response = client.get("/recherche/guide.pdf", {"commune": "21166", "theme": FRANCAIS, "lang": "ar"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "guide-chenove-ar.pdf"
    pdf.write_bytes(response.content)

    fonts = subprocess.run([pdf_tool("pdffonts"), str(pdf)], capture_output=True, text=True,
                           check=True).stdout.replace("-", "")
    assert "NotoNaskhArabic" in fonts  # Arabic script set in a font that has it (no fallback boxes)
    text = subprocess.run([pdf_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Cours de français pour adultes" in text  # the content, in French
    assert any("\u0600" <= ch <= "\u06ff" or "\ufe70" <= ch <= "\ufeff" for ch in text)  # the interface, Arabic
    assert "Les actions près de" not in text  # the heading is translated

    subprocess.run([pdf_tool("pdftoppm"), "-png", "-r", "90", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / "guide-chenove-ar")], check=True)
    png = next(SCREENSHOTS.glob("guide-chenove-ar-*1.png"))
    assert png.stat().st_size > 20_000  # a page with text and QR codes, not a blank one


def test_guide_in_tigrinya_and_french_and_errors(client):
    build_sample()
    for lang, font in (("ti", "NotoSansEthiopic"), ("fr", "NotoSans")):
        response = client.get("/recherche/guide.pdf", {"lieu": "21300", "lang": lang})
        assert response.status_code == 200
        pdf = SCREENSHOTS / f"guide-chenove-{lang}.pdf"
        pdf.write_bytes(response.content)
        fonts = subprocess.run([pdf_tool("pdffonts"), str(pdf)], capture_output=True, text=True).stdout.replace("-", "")
        assert font in fonts, (lang, fonts)
    assert client.get("/recherche/guide.pdf").status_code == 400
    assert client.get("/recherche/guide.pdf", {"commune": "Saint-Denis"}).status_code == 400
