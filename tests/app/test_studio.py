"""/studio/: who may edit which language, drafts, publishing, conflicts, history, bad input."""

from __future__ import annotations

import html
import shutil

import pytest

from app.auth.accounts import find_user
from app.cli.users import users as users_command
from course.loader import git_blob_hash
from tests.app.test_i18n import TRANSLATIONS
from tests.app.test_translate import NEW_LINE, git, outdated  # noqa: F401 (a fixture)
from tests.conftest import ContentFactory, csrf_token, make_app
from tests.learners import add_user, login

INSTRUCTOR, TRANSLATOR, LEARNER = "author@example.org", "tlumacz@example.org", "learner@example.org"
OLD = "Omnichannel joins up **every** channel."
NEW = "Omnichannel joins up every channel around one customer record."


@pytest.fixture
def studio(tmp_path):
    content = ContentFactory(tmp_path / "content")
    content.module()
    content.module(locale="pl", title="Podstawy")
    app = make_app(tmp_path, content.root)
    add_user(app, INSTRUCTOR, "instructor")
    add_user(app, TRANSLATOR, "translator")
    add_user(app, LEARNER)
    app.content = content
    return app


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def give_locales(app, email: str, *locales: str) -> None:
    with app.extensions["db_sessionmaker"]() as db:
        find_user(db, email).studio_locales = " ".join(locales)
        db.commit()


def open_editor(client, locale: str = "en", slug: str = "basics") -> dict:
    """The editor's form fields as the browser would send them back."""
    page = client.get(f"/studio/{locale}/{slug}/")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    base = html.split('name="base"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    text = client.application.content.root / locale / "01-basics.md"
    return {"csrf_token": csrf_token(html), "base": base, "text": text.read_text()}


def send(client, fields: dict, action: str, locale: str = "en", **changes):
    return client.post(f"/studio/{locale}/basics/", data={**fields, **changes, action: "1"})


def source(app) -> str:
    return (app.content.root / "en" / "01-basics.md").read_text()


def test_who_may_edit_which_language(studio):
    anonymous = studio.test_client().get("/studio/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    assert signed_in(studio, LEARNER).get("/studio/").status_code == 403

    instructor = signed_in(studio, INSTRUCTOR)
    listing = instructor.get("/studio/").get_data(as_text=True)
    assert "/studio/en/basics/" in listing and "/studio/pl/basics/" not in listing
    assert instructor.get("/studio/pl/basics/").status_code == 403  # not the source language

    translator = signed_in(studio, TRANSLATOR)
    assert "No language has been given to you" in translator.get("/studio/").get_data(as_text=True)
    assert translator.get("/studio/pl/basics/").status_code == 403
    give_locales(studio, TRANSLATOR, "pl")
    assert "/studio/pl/basics/" in translator.get("/studio/").get_data(as_text=True)
    assert translator.get("/studio/pl/basics/").status_code == 200
    assert translator.get("/studio/en/basics/").status_code == 403
    own_token = csrf_token(translator.get("/studio/pl/basics/").data)
    fields = open_editor(instructor) | {"csrf_token": own_token}
    refused = translator.post("/studio/en/basics/", data={**fields, "publish": "1"})
    assert refused.status_code == 403 and OLD in source(studio)
    assert studio.test_client().get("/studio/en/basics/nonexistent").status_code == 404


def test_a_draft_stays_private_until_it_is_published(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    saved = send(client, fields, "save", text=fields["text"].replace(OLD, NEW))
    assert saved.status_code == 303
    assert OLD in source(studio)  # the file is untouched
    learner = studio.test_client()
    assert NEW not in learner.get("/en/modules/basics/").get_data(as_text=True)
    editor = client.get("/studio/en/basics/").get_data(as_text=True)
    assert NEW in editor and "You are editing your draft" in editor
    preview_link = editor.split('href="/studio/drafts/', 1)[1].split('"', 1)[0]
    assert NEW in client.get(f"/studio/drafts/{preview_link}").get_data(as_text=True)
    assert learner.get(f"/studio/drafts/{preview_link}").status_code == 302  # staff only

    published = send(client, open_editor(client) | {"text": fields["text"].replace(OLD, NEW)},
                     "publish", message="Clearer definition")  # fmt: skip
    assert published.status_code == 303
    assert NEW in source(studio)
    assert NEW in learner.get("/en/modules/basics/").get_data(as_text=True)  # no restart
    assert "You are editing your draft" not in client.get("/studio/en/basics/").get_data(True)
    history = client.get("/studio/en/basics/history").get_data(as_text=True)
    assert "Clearer definition" in history and INSTRUCTOR in history


def test_an_edit_that_does_not_validate_cannot_be_published(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    broken = fields["text"].replace("order: 1", "order: [1")
    answer = send(client, fields, "publish", text=broken)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Fix the problems listed under the text before publishing" in page
    assert 'data-line="5"' in page and "broken YAML in front matter" in page  # at its line
    assert source(studio) == fields["text"]  # the published version is unchanged
    assert "order: [1" in client.get("/studio/en/basics/").get_data(as_text=True)  # draft kept


def test_the_preview_follows_the_text_and_sanitises_it(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    text = fields["text"].replace(OLD, "A <script>alert(1)</script> **bold** claim.")
    answer = client.post("/studio/en/basics/preview", data={"text": text},
                         headers={"X-CSRFToken": fields["csrf_token"]})  # fmt: skip
    assert answer.status_code == 200
    assert "<strong>bold</strong>" in answer.json["html"]
    assert "<script" not in answer.json["html"]
    assert answer.json["problems"] == []
    broken = client.post("/studio/en/basics/preview", data={"text": "---\ntitle: [\n---\n"},
                         headers={"X-CSRFToken": fields["csrf_token"]})  # fmt: skip
    assert broken.json["problems"][0]["line"] >= 2
    assert "Line" in broken.json["problems_html"]
    assert client.post("/studio/en/basics/preview", data={"text": text}).status_code == 400  # CSRF


def test_two_editors_get_a_conflict_never_a_silent_overwrite(studio):
    first = signed_in(studio, INSTRUCTOR)
    add_user(studio, "second@example.org", "admin")
    second = signed_in(studio, "second@example.org")
    mine, theirs = open_editor(first), open_editor(second)
    assert (
        send(second, theirs, "publish", text=theirs["text"].replace(OLD, "Theirs.")).status_code
        == 303
    )
    clash = send(first, mine, "publish", text=mine["text"].replace(OLD, "Mine."))
    assert clash.status_code == 409
    page = clash.get_data(as_text=True)
    assert "Someone else published this file" in page and "Theirs." in page and "Mine." in page
    assert "Theirs." in source(studio)  # nothing was overwritten
    # Choosing "Publish my version" on the conflict page publishes it over theirs.
    base = page.split('name="base"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert base == git_blob_hash(source(studio).encode())
    again = send(first, mine, "publish", base=base, text=mine["text"].replace(OLD, "Mine."))
    assert again.status_code == 303 and "Mine." in source(studio)


def test_a_file_changed_on_disk_while_a_draft_is_open(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    send(client, fields, "save", text=fields["text"].replace(OLD, "My draft."))
    path = studio.content.root / "en" / "01-basics.md"
    path.write_text(path.read_text().replace(OLD, "Edited in git."), encoding="utf-8")
    studio.extensions["content"].refresh()
    editor = client.get("/studio/en/basics/").get_data(as_text=True)
    assert "The published file changed since you started this draft" in editor
    clash = send(client, open_editor(client) | {"text": fields["text"].replace(OLD, "My draft.")},
                 "publish")  # fmt: skip
    assert clash.status_code == 409 and "Edited in git." in source(studio)


def test_a_draft_of_a_module_deleted_meanwhile_is_kept_and_can_recreate_it(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    text = fields["text"].replace(OLD, "Still here.")
    send(client, fields, "save", text=text)
    (studio.content.root / "en" / "01-basics.md").unlink()
    studio.extensions["content"].refresh()
    editor = client.get("/studio/en/basics/")
    assert editor.status_code == 200
    assert "This file was deleted since your draft was started" in editor.get_data(as_text=True)
    clash = send(client, fields, "publish", text=text)
    assert clash.status_code == 409 and "was deleted after you started" in clash.get_data(True)
    base = clash.get_data(as_text=True).split('name="base"', 1)[1].split('value="', 1)[1]
    assert base.startswith('"')  # empty: the file is gone, publishing creates it
    assert send(client, fields, "publish", base="", text=text).status_code == 303
    assert "Still here." in source(studio)


def test_history_shows_each_publication_and_restores_one(studio):
    client = signed_in(studio, INSTRUCTOR)
    original = open_editor(client)["text"]
    send(client, open_editor(client), "publish", text=original.replace(OLD, "Version A."),
         message="A")  # fmt: skip
    send(client, open_editor(client), "publish", text=original.replace(OLD, "Version B."),
         message="B")  # fmt: skip
    history = client.get("/studio/en/basics/history").get_data(as_text=True)
    links = [part.split('"', 1)[0] for part in history.split('href="/studio/publications/')[1:]]
    assert len(links) == 2  # newest first
    first = client.get(f"/studio/publications/{links[1]}").get_data(as_text=True)
    assert "Version A." in first and "<del" in first and "<ins" in first
    token = csrf_token(first)
    restored = client.post(f"/studio/publications/{links[1]}/restore", data={"csrf_token": token})
    assert restored.status_code == 303
    assert "Version A." in source(studio)
    assert "Version A." in studio.test_client().get("/en/modules/basics/").get_data(as_text=True)
    assert client.get("/studio/en/basics/history").get_data(as_text=True).count(
        'href="/studio/publications/'
    ) == 3  # fmt: skip


def test_publishing_commits_when_the_content_is_a_git_repository(studio):
    repo = studio.content.root
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    with studio.extensions["db_sessionmaker"]() as db:
        find_user(db, INSTRUCTOR).display_name = "Ada Author"
        db.commit()
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    send(client, fields, "publish", text=fields["text"].replace(OLD, NEW), message="Sharper")
    log = git(repo, "log", "-1", "--format=%an <%ae>|%s")
    assert log == f"Ada Author <{INSTRUCTOR}>|Sharper"
    assert git(repo, "status", "--porcelain", "--", "en") == ""
    history = client.get("/studio/en/basics/history").get_data(as_text=True)
    assert git(repo, "rev-parse", "HEAD")[:10] in history


def test_oversized_and_odd_input_loses_nothing(studio):
    client = signed_in(studio, INSTRUCTOR)
    fields = open_editor(client)
    send(client, fields, "save", text=fields["text"].replace(OLD, "Saved draft."))
    # A 10 MB paste is refused before it is read, with a message; nothing changes.
    huge = client.post("/studio/en/basics/", data={**fields, "text": "x" * 10_000_000, "save": "1"})
    assert huge.status_code == 413
    assert "far larger than a module file" in huge.get_data(as_text=True)
    # Under the request limit but over a module's: a form error, the text stays in the form.
    long = send(client, fields, "save", text="y" * 600_000)
    assert long.status_code == 400 and "check what was pasted" in long.get_data(as_text=True)
    editor = client.get("/studio/en/basics/").get_data(as_text=True)
    assert "Saved draft." in editor and source(studio) == fields["text"]
    # No token: refused, nothing saved.
    forged = client.post("/studio/en/basics/", data={"text": "forged", "publish": "1"})
    assert forged.status_code == 400 and "forged" not in source(studio)


def test_omnicourse_users_set_locales(studio):
    runner = studio.test_cli_runner()
    done = runner.invoke(users_command, ["set-locales", TRANSLATOR, "pl"])
    assert done.exit_code == 0 and "edits: pl" in done.output
    assert "edits pl" in runner.invoke(users_command, ["list"]).output
    wrong = runner.invoke(users_command, ["set-locales", TRANSLATOR, "xx"])
    assert wrong.exit_code != 0 and "unknown language(s) xx" in wrong.output


def test_a_translator_sees_the_source_change_and_marks_a_part_current(tmp_path, outdated):  # noqa: F811
    translation = outdated.root / "pl" / "01-basics.md"
    content = outdated
    app = make_app(tmp_path, content.root)
    add_user(app, TRANSLATOR, "translator")
    give_locales(app, TRANSLATOR, "pl")
    client = signed_in(app, TRANSLATOR)

    editor = client.get("/studio/pl/basics/").get_data(as_text=True)
    part = editor.split('id="part-what-it-means"', 1)[1].split("</li>", 1)[0]
    assert "Outdated" in part and f'<ins class="diff__line">+{NEW_LINE}' in part
    assert 'id="part-why-it-matters"' in editor  # every part is listed, each with its state
    before = translation.read_text()
    token = csrf_token(editor)
    marked = client.post("/studio/pl/basics/current/what-it-means", data={"csrf_token": token})
    assert marked.status_code == 303 and marked.location.endswith("#part-what-it-means")
    assert translation.read_text() != before  # the part's source hash was recorded
    after = client.get("/studio/pl/basics/").get_data(as_text=True)
    part = after.split('id="part-what-it-means"', 1)[1].split("</li>", 1)[0]
    assert "Translated" in part and "Mark as current" not in part
    assert "Marked “What it means” as current" in client.get("/studio/pl/basics/history").get_data(
        True
    )
    # Only an outdated part can be marked; the source language has no parts to mark.
    again = client.post("/studio/pl/basics/current/what-it-means", data={"csrf_token": token})
    assert again.status_code == 404


def test_an_instructor_starts_a_module_that_learners_see_once_published(studio):
    client = signed_in(studio, INSTRUCTOR)
    form = client.get("/studio/new")
    token = csrf_token(form.data)
    bad = client.post("/studio/new", data={"csrf_token": token, "title": "Dane", "slug": "Złe!"})
    assert bad.status_code == 400 and "lowercase letters" in bad.get_data(as_text=True)
    taken = client.post("/studio/new", data={"csrf_token": token, "title": "Basics"})
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    started = client.post("/studio/new", data={"csrf_token": token, "title": "Customer data"})
    assert started.status_code == 303 and started.location.endswith("/studio/en/customer-data/")
    path = studio.content.root / "en" / "02-customer-data.md"
    assert not path.exists()  # a draft until it is published
    assert "customer-data" in client.get("/studio/").get_data(as_text=True)
    assert studio.test_client().get("/en/modules/customer-data/").status_code == 404
    editor = client.get("/studio/en/customer-data/").get_data(as_text=True)
    assert "A new module: the file is created when you publish it." in editor
    assert "No problems found." in editor  # the starting text is valid as it is
    text = editor.split('id="text"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    text = html.unescape(text).removeprefix("\r\n")  # a browser drops the first line break
    text = text.replace("The lesson text, in Markdown", "Customer data, shared")
    fields = {"csrf_token": token, "base": "", "text": text, "publish": "1"}
    assert client.post("/studio/en/customer-data/", data=fields).status_code == 303
    assert path.exists() and 'title: "Customer data"' in path.read_text()
    page = studio.test_client().get("/en/modules/customer-data/").get_data(as_text=True)
    assert "Customer data, shared" in page
    # Translators do not start modules.
    give_locales(studio, TRANSLATOR, "pl")
    assert signed_in(studio, TRANSLATOR).get("/studio/new").status_code == 403


def test_an_admin_starts_a_language_as_the_cli_does(studio, tmp_path):
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, translations)
    studio.config["TRANSLATIONS_DIR"] = str(translations)
    add_user(studio, "boss@example.org", "admin")
    admin = signed_in(studio, "boss@example.org")
    assert signed_in(studio, INSTRUCTOR).get("/studio/locales/new").status_code == 403
    token = csrf_token(admin.get("/studio/locales/new").data)
    wrong = admin.post("/studio/locales/new", data={"csrf_token": token, "code": "xx-nope"})
    assert wrong.status_code == 400 and "not a language code" in wrong.get_data(as_text=True)
    again = admin.post("/studio/locales/new", data={"csrf_token": token, "code": "pl"})
    assert again.status_code == 400 and "already has this language" in again.get_data(True)
    fields = {"csrf_token": token, "code": "de", "title": "Omnichannel-Kurs"}
    started = admin.post("/studio/locales/new", data=fields)
    assert started.status_code == 303
    copy = studio.content.root / "de" / "01-basics.md"
    assert "untranslated: true" in copy.read_text()
    assert 'de: "Omnichannel-Kurs"' in (studio.content.root / "course.yaml").read_text()
    assert (translations / "de" / "LC_MESSAGES" / "messages.mo").exists()
    assert "/studio/de/basics/" in admin.get("/studio/").get_data(as_text=True)
    assert studio.test_client().get("/de/modules/basics/").status_code == 200  # the source, for now


def test_a_translator_starts_the_translation_of_a_new_module(studio):
    studio.content.module(slug="data", order=2, title="Data")  # no Polish file yet
    studio.extensions["content"].refresh()
    give_locales(studio, TRANSLATOR, "pl")
    client = signed_in(studio, TRANSLATOR)
    editor = client.get("/studio/pl/data/").get_data(as_text=True)
    assert "the file is created when you publish it" in editor
    assert "untranslated: true" in editor  # the source, marked as not yet translated
    text = editor.split('id="text"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    text = html.unescape(text).removeprefix("\r\n").replace("title: Data", "title: Dane")
    fields = {"csrf_token": csrf_token(editor), "base": "", "text": text, "publish": "1"}
    assert client.post("/studio/pl/data/", data=fields).status_code == 303
    assert "title: Dane" in (studio.content.root / "pl" / "02-data.md").read_text()
    assert client.get("/studio/xx/data/").status_code == 404  # not a language of the course
