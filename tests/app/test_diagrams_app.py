"""Diagrams on the module pages and in the module PDFs, with each language's labels."""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from pathlib import Path

import pypdf
import pytest

from app.config import pdf_settings
from app.content import get_course
from course.pdf import build_module_pdf, module_pdf
from tests.conftest import make_app

# Labels of the diagram of module 1 (principles), per language.
LABELS = {
    "en": ["Awareness", "Call centre", "One shared customer profile"],
    "pl": ["Poznanie", "Infolinia", "Jeden wspólny profil klienta"],
    "zh": ["认知", "呼叫中心", "同一个共享的客户档案"],
    "yo": ["Ìrànlọ́wọ́", "Ibùdó ìpè", "Àkọsílẹ̀ oníbàárà kan ṣoṣo tí gbogbo ìkànnì ń lò"],
}
TITLES = {
    "en": "Amara&#x27;s journey across channels",
    "pl": "Ścieżka Ani przez kanały",
    "zh": "李娜的跨渠道旅程",
    "yo": "Ìrìn-àjò Bímpé láàárín àwọn ìkànnì",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("diagrams"))
    return app, app.test_client()


def squeeze(text: str) -> str:
    """NFC without whitespace: PDF text extraction breaks lines and spaces its own way."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


@pytest.mark.parametrize("locale", LABELS)
def test_the_module_page_shows_the_diagram_with_labels_in_its_language(site, locale):
    _, client = site
    page = client.get(f"/{locale}/modules/principles/").get_data(as_text=True)
    figure = re.search(r'<figure class="diagram diagram--journey".*?</figure>', page, re.S)
    assert figure, "no diagram on the page"
    svg = figure[0]
    assert 'role="img"' in svg and "<desc id=" in svg
    assert "<title id=" in svg and TITLES[locale] in svg
    texts = [unescape(t) for t in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)]
    for label in LABELS[locale]:
        assert label in texts, f"{locale}: {label!r} not among the labels"


@pytest.mark.slow
@pytest.mark.parametrize("locale", LABELS)
def test_the_module_pdf_draws_the_diagram_labels_as_text(site, locale):
    app, client = site
    with app.app_context():
        settings = pdf_settings(app.config)
        out_dir = Path(app.instance_path) / "build" / "pdf"
        target = module_pdf(get_course(), locale, "principles", out_dir, settings)
        assert build_module_pdf(get_course(), target, settings) == []  # no character as a box
    response = client.get(f"/{locale}/modules/principles.pdf")
    assert response.status_code == 200
    reader = pypdf.PdfReader(target.path)
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    response.close()
    for label in LABELS[locale]:
        assert squeeze(label) in text, f"{locale}: {label!r} not in the PDF"
    assert "\u25cc" not in text  # a tone mark drawn on a dotted circle, apart from its letter
