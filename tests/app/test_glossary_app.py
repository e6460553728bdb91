"""The glossary on the web and in PDFs: its page, links from the modules, its appendix."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf

from app.config import pdf_settings
from app.content import get_course
from course.pdf import build_module_pdf, module_pdf
from tests.conftest import make_app
from tests.course.test_pdf import pdf_text, squeeze

GLOSSARY = {
    "en": "omnichannel:\n  term: omnichannel\n  definition: All channels joined up.\n"
    "channel:\n  term: channel\n  forms: [channels]\n  definition: A way to meet a company.\n",
    "pl": "channel:\n  term: kanał\n  forms: [kanały]\n  definition: Sposób kontaktu z firmą.\n",
}


def glossary_site(tmp_path, content):
    content.module()
    polish = content.module(locale="pl", extra="source_hashes: {}\n")
    polish.write_text(polish.read_text().replace(
        "Omnichannel joins up **every** channel.", "Omnichannel łączy wszystkie kanały."
    ))  # fmt: skip
    for locale, text in GLOSSARY.items():
        (content.root / locale / "glossary.yaml").write_text(text)
    app = make_app(tmp_path, content.root)
    return app, app.test_client()


def test_the_glossary_page_lists_each_term_with_its_definition(tmp_path, content):
    _, client = glossary_site(tmp_path, content)
    page = client.get("/pl/glossary/").get_data(as_text=True)
    entries = re.findall(
        r'<div class="glossary__entry" id="term-([\w-]+)">\s*<dt( lang="en")?>', page
    )
    # Alphabetical by headword; the entry Polish lacks is the English one, marked as English.
    assert entries == [("channel", ""), ("omnichannel", ' lang="en"')]
    assert "Sposób kontaktu z firmą." in page
    assert 'href="/pl/glossary/"' in client.get("/pl/").get_data(as_text=True)  # in the footer


def test_a_module_links_the_first_use_of_each_term_to_the_glossary(tmp_path, content):
    _, client = glossary_site(tmp_path, content)
    page = client.get("/pl/modules/basics/").get_data(as_text=True)
    assert 'łączy wszystkie <a class="term" href="/pl/glossary/#term-channel">kanały</a>.' in page
    assert page.count('href="/pl/glossary/#term-channel"') == 1


def test_the_pdf_links_terms_to_its_own_glossary(tmp_path, content):
    app, _ = glossary_site(tmp_path, content)
    with app.app_context():
        course = get_course()
        target = module_pdf(course, "en", "basics", Path(app.instance_path) / "pdf",
                            pdf_settings(app.config))  # fmt: skip
        build_module_pdf(course, target, pdf_settings(app.config))
    text = pdf_text(target.path)
    for shown in ("Glossary", "All channels joined up.", "A way to meet a company."):
        assert squeeze(shown) in text
    # The first use of each term is a link to its entry inside the document.
    links = {
        str(annotation.get_object().get("/Dest"))
        for page in pypdf.PdfReader(target.path).pages
        for annotation in page.get("/Annots") or []
    }
    assert {"term-omnichannel", "term-channel"} <= links
    assert {"term-omnichannel", "term-channel"} <= set(
        pypdf.PdfReader(target.path).named_destinations
    )
