"""Images in the studio: uploading SVG and PNG (made safe), refusals, and an image a module
shows on its page, in its PDF and in the static copy."""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest
from PIL import Image

from app.config import pdf_settings
from course import load_course
from course.build import run
from course.pdf import plan_pdfs
from tests.app.test_export import export
from tests.app.test_studio import INSTRUCTOR, LEARNER, TRANSLATOR, open_editor, send, signed_in
from tests.app.test_studio import studio as studio
from tests.conftest import csrf_token

HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 200 100" onload="alert(1)">
  <title>Two channels</title>
  <script>alert(document.cookie)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <defs><linearGradient id="fade"><stop offset="0" stop-color="#1f5fbf"/></linearGradient></defs>
  <rect x="10" y="10" width="80" height="40" fill="url(#fade)" onclick="steal()"/>
  <rect x="100" y="10" width="80" height="40" fill="url(https://evil.example/paint)"/>
  <image href="https://evil.example/tracker.png" width="10" height="10"/>
  <use xlink:href="https://evil.example/sprite.svg#icon"/>
  <use xlink:href="#fade"/>
  <a href="javascript:alert(1)"><text x="10" y="90">Click</text></a>
  <foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="/"/></body></foreignObject>
  <text x="110" y="90" style="fill:url(https://evil.example/)">Store</text>
</svg>
"""


def png(width: int = 40, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 191)).save(out, format="PNG")
    return out.getvalue()


def upload(client, data: bytes, filename: str, name: str = ""):
    token = csrf_token(client.get("/studio/media/").data)
    return client.post(
        "/studio/media/",
        data={"csrf_token": token, "name": name, "image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_an_svg_keeps_its_drawing_and_loses_everything_that_could_run_or_fetch(studio):
    client = signed_in(studio, INSTRUCTOR)
    answer = upload(client, HOSTILE_SVG, "Two Channels.svg")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert "image-two-channels.svg" in answer.location

    stored = (studio.content.root / "media" / "two-channels.svg").read_text()
    for gone in ("script", "onload", "onclick", "evil.example", "@import", "foreignObject",
                 "javascript:", "iframe", "style", "<image", "<a "):  # fmt: skip
        assert gone not in stored, gone
    for kept in ("<title>Two channels</title>", 'fill="url(#fade)"', 'xlink:href="#fade"',
                 ">Click</text>", ">Store</text>", 'viewBox="0 0 200 100"'):  # fmt: skip
        assert kept in stored, kept

    served = studio.test_client().get("/media/two-channels.svg")
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    listing = client.get("/studio/media/").get_data(as_text=True)
    assert 'value="![What the image shows](../media/two-channels.svg)"' in listing


def test_a_png_is_saved_anew_from_its_pixels(studio):
    client = signed_in(studio, TRANSLATOR)  # any studio user may add an image
    sent = png() + b"<script>alert(1)</script>"  # a payload after the image's end
    assert upload(client, sent, "shelf.png", name="Store shelf").status_code == 303
    stored = (studio.content.root / "media" / "store-shelf.png").read_bytes()
    assert b"script" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 20) and image.getpixel((5, 5)) == (31, 95, 191)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"GIF89a not welcome", "x.gif", "This is not an SVG or PNG image."),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg '
         b'xmlns="http://www.w3.org/2000/svg">&a;</svg>', "bomb.svg",
         "SVG files with a DOCTYPE or entities are not accepted."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect', "cut.svg",
         "The image could not be read."),
        (png()[:60], "cut.png", "The image could not be read."),
        (png(6000, 5000), "huge.png", "The image is too large"),
        (b"", "empty.svg", "Choose an SVG or PNG file first."),
    ],
)  # fmt: skip
def test_what_cannot_be_a_course_image_is_refused_with_the_reason(studio, data, filename,
                                                                  message):  # fmt: skip
    answer = upload(signed_in(studio, INSTRUCTOR), data, filename)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert not (studio.content.root / "media").exists() or not any(
        (studio.content.root / "media").iterdir()
    )


def test_a_cut_png_is_refused_even_after_the_pdf_builder_loaded(studio, monkeypatch):
    # WeasyPrint makes Pillow accept cut files for the whole process when it loads.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    answer = upload(signed_in(studio, INSTRUCTOR), png()[:-20], "cut.png")
    assert answer.status_code == 400
    assert "The image could not be read." in answer.get_data(as_text=True)


def test_a_name_in_use_is_never_replaced_and_learners_may_not_upload(studio):
    client = signed_in(studio, INSTRUCTOR)
    assert upload(client, png(), "map.png").status_code == 303
    first = (studio.content.root / "media" / "map.png").read_bytes()
    taken = upload(client, png(80, 80), "map.png")
    assert taken.status_code == 400
    assert "already has an image called map.png" in taken.get_data(as_text=True)
    assert (studio.content.root / "media" / "map.png").read_bytes() == first

    learner = signed_in(studio, LEARNER)
    assert learner.get("/studio/media/").status_code == 403
    token = csrf_token(learner.get("/account/").data)
    refused = learner.post("/studio/media/", data={"csrf_token": token,
                           "image": (io.BytesIO(png()), "x.png")},
                           content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 403
    big = client.post("/studio/media/", data=b"<svg" + b" " * (3 * 1024 * 1024),
                      content_type="multipart/form-data; boundary=x")  # fmt: skip
    assert big.status_code == 413


def test_a_module_shows_an_uploaded_image_on_its_page_in_its_pdf_and_in_the_static_copy(
    studio, tmp_path
):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    missing = "![The customer's journey](../media/journey.png)"
    with_image = fields["text"].replace("## Why it matters", f"{missing}\n\n## Why it matters")
    refused = send(client, fields, "publish", text=with_image)
    assert refused.status_code == 422
    line = with_image.splitlines().index(missing) + 1
    assert f"Line {line}" in refused.get_data(as_text=True)
    assert "there is no image &#39;journey.png&#39; in content/media/" in refused.get_data(True)

    no_alt = with_image.replace("[The customer's journey]", "[]")
    assert "has no text alternative" in send(client, fields, "publish", text=no_alt).get_data(True)

    assert upload(client, png(), "journey.png").status_code == 303
    published = send(client, open_editor(client), "publish", text=with_image)
    assert published.status_code == 303
    page = studio.test_client().get("/en/modules/basics/").get_data(as_text=True)
    image = re.search(r'<img[^>]*src="/media/journey\.png"[^>]*>', page)
    assert image and 'alt="The customer\'s journey"' in html.unescape(image[0])
    served = studio.test_client().get("/media/journey.png")
    assert served.status_code == 200 and served.mimetype == "image/png"
    served.close()

    course = load_course(studio.content.root)
    config = {"OUT": tmp_path / "pdf", "TRANSLATIONS_DIR": studio.config["TRANSLATIONS_DIR"]}
    assert not run(plan_pdfs(course, config["OUT"], pdf_settings(config))).failed
    learner_pdf = next(p for p in (config["OUT"] / "en").glob("basics.*.pdf")
                       if ".answers." not in p.name)  # fmt: skip
    images = [image for page in pypdf.PdfReader(learner_pdf).pages for image in page.images]
    assert {image.image.size for image in images} == {(40, 20)}  # on a page it shares

    site = tmp_path / "site"
    assert export(studio.content, tmp_path, site).returncode == 0
    exported = (site / "en" / "modules" / "basics" / "index.html").read_text()
    assert 'src="../../../media/journey.png"' in exported
    assert (site / "media" / "journey.png").read_bytes() == (
        studio.content.root / "media" / "journey.png"
    ).read_bytes()
