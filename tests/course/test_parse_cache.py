"""Parsed modules kept on disk: a new process reads outlines from one index, and the long
texts only when a page needs them, and never serves a file's old version."""

from __future__ import annotations

import os

import pytest

from course import catalog
from course.catalog import ContentLoader
from course.parse_cache import KeptSectionText, ParseCache


def fresh_loader(content, tmp_path) -> ContentLoader:
    """A loader as a new server process has it: nothing in memory, the instance's cache."""
    return ContentLoader(content.root, cache=ParseCache(tmp_path / "parsed"))


def test_a_new_process_serves_what_an_earlier_one_parsed(content, tmp_path, monkeypatch):
    content.module()
    content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    first = fresh_loader(content, tmp_path).load().modules["en"]["basics"]
    html = first.sections[0].html
    monkeypatch.setattr(catalog, "load_module", lambda *a, **k: pytest.fail("parsed again"))
    reading = []
    real_read = type(content.root).read_bytes
    monkeypatch.setattr(
        type(content.root), "read_bytes",
        lambda path: reading.append(path.name) or real_read(path),
    )  # fmt: skip
    course = fresh_loader(content, tmp_path).load()
    assert not [name for name in reading if name.endswith(".md")]  # the index is enough
    module = course.modules["en"]["basics"]
    assert isinstance(module.sections[0].text, KeptSectionText)  # read when a page asks
    assert module.sections[0].html == html and "<strong>every</strong>" in html
    assert module.quiz.question("q-define").correct_keys == {"b"}
    assert course.modules["pl"]["basics"].title == "Podstawy"
    assert "title: Basics" in module.meta_text


def test_a_changed_file_is_parsed_again_whatever_the_index_says(content, tmp_path):
    path = content.module()
    fresh_loader(content, tmp_path).load()
    path.write_text(path.read_text().replace("joins up **every**", "joins up *each*"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    module = fresh_loader(content, tmp_path).load().modules["en"]["basics"]
    assert "<em>each</em>" in module.sections[0].html


def test_a_translation_with_another_answer_key_is_still_reported_from_outlines(content, tmp_path):
    content.module()
    text = content.module(locale="pl", extra="source_hash: abc\n").read_text()
    content.module(
        locale="pl", text=text.replace("- [ ] Channels run", "- [x] Channels run", 1)
    )  # fmt: skip
    fresh_loader(content, tmp_path).load()
    course = fresh_loader(content, tmp_path).load()  # from the index this time
    assert any("must keep the source's type" in e.message for e in course.errors)
    assert course.modules["pl"]["basics"].quiz.state == "missing"  # the source's is shown


def test_a_cache_that_cannot_be_written_still_serves_whole_modules(content, tmp_path):
    content.module()
    (tmp_path / "parsed").write_text("not a folder")  # nothing can be kept in it
    module = fresh_loader(content, tmp_path).load().modules["en"]["basics"]
    assert not isinstance(module.sections[0].text, KeptSectionText)
    assert "<strong>every</strong>" in module.sections[0].html


def test_a_moved_instance_reads_its_texts_from_where_it_is_now(content, tmp_path):
    content.module()
    fresh_loader(content, tmp_path / "old").load()
    (tmp_path / "old").rename(tmp_path / "new")
    module = fresh_loader(content, tmp_path / "new").load().modules["en"]["basics"]
    assert "<strong>every</strong>" in module.sections[0].html
