"""The module's PDF download: a file built ahead of time, or a page saying it is on its way.

`omnicourse build --pdf` (and `serve`, in the background) builds every PDF. A
request for one that is not built yet starts building that one PDF in a
separate process, outside the request, and gets a "being prepared" page.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import abort, current_app, g, render_template
from flask_babel import gettext as _

from app.config import pdf_settings
from app.content import get_course, resolve_module
from app.learn import bp
from app.roles import role_required
from app.web import send_built_file
from course.pdf import ModulePdf, download_name, module_pdf

log = logging.getLogger(__name__)

RETRY_AFTER = 20  # seconds; one PDF takes a few
BUILD_TIMEOUT = 600  # a build older than this is presumed dead and may be restarted
RETRY_FAILED_AFTER = 600  # a failed build is not retried for this long


@bp.get("/modules/<slug>.pdf")
def pdf(slug: str):
    return _download(slug, answers=False)


@bp.get("/modules/<slug>-answers.pdf")
@role_required("instructor")  # and admins
def pdf_answers(slug: str):
    return _download(slug, answers=True)


def _download(slug: str, answers: bool):
    resolve_module(slug)
    course = get_course()
    settings = pdf_settings(current_app.config)
    target = module_pdf(course, g.locale, slug, _out_dir(), settings, answers)
    if target is None:
        abort(404)  # a module without a self-test has no answer key
    if not target.path.is_file():
        return _being_prepared(target)
    try:
        response = send_built_file(
            target.path,
            mimetype="application/pdf",
            as_attachment=True,
            download_name=download_name(course, target),
            etag=target.key,
        )
    except FileNotFoundError:  # replaced by a newer build since we looked
        return _being_prepared(target)
    max_age = current_app.config["PAGE_MAX_AGE"]
    response.headers["Cache-Control"] = (
        "private, no-cache" if answers else f"public, max-age={max_age}"
    )
    return response


def _out_dir() -> Path:
    return Path(current_app.instance_path) / "build" / "pdf"


def _being_prepared(target: ModulePdf):
    if _start_build(target):
        status, retry_after = "preparing", RETRY_AFTER
        title = _("Your PDF is being prepared")
        message = _(
            "This PDF has not been made yet. We have started making it now; "
            "please try the download again in a minute."
        )
    else:
        status, retry_after = "failed", RETRY_FAILED_AFTER
        title = _("The PDF could not be prepared")
        message = _(
            "Something went wrong while making this PDF and the site's team can see it in "
            "the server log. Please try again later; you can read the module online meanwhile."
        )
    page = render_template(
        "learn/pdf_preparing.html",
        title=title,
        message=message,
        status=status,
        slug=target.slug,
        retry_after=retry_after,  # the page asks again by itself after this long
    )
    headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}
    return page, 503, headers


def _start_build(target: ModulePdf) -> bool:
    """Start building `target` in the background unless it is under way; False if it failed."""
    lock = target.path.with_name(f".{target.path.name}.lock")
    failed = target.path.with_name(f".{target.path.name}.failed")
    if _age(failed) < RETRY_FAILED_AFTER:
        return False
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        if _age(lock) >= BUILD_TIMEOUT:
            lock.unlink(missing_ok=True)  # left behind by a build that died
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return True  # another request or process is building it
    except OSError:
        log.exception("cannot start building %s", target.label)
        return False
    command = _build_command(target)
    threading.Thread(target=_build, args=(command, lock, failed), daemon=True).start()
    return True


def _build_command(target: ModulePdf) -> list[str]:
    settings = pdf_settings(current_app.config)
    command = [
        sys.executable, "-m", "course.pdf",
        str(current_app.config["CONTENT_DIR"]), str(_out_dir()), target.locale, target.slug,
        "--fonts-css", str(settings.fonts_css), "--page-size", settings.page_size,
    ]  # fmt: skip
    if settings.translations_dir is not None:
        command += ["--translations", str(settings.translations_dir)]
    return [*command, "--answers"] if target.answers else command


def _build(command: list[str], lock: Path, failed: Path) -> None:
    """Run one PDF build in its own process, so a crash or its memory stays out of the server."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
        if result.returncode != 0:
            log.error("PDF build failed: %s\n%s", " ".join(command), result.stderr[-4000:])
            failed.write_text(result.stderr[-4000:], encoding="utf-8")
        else:
            failed.unlink(missing_ok=True)
    except (OSError, subprocess.SubprocessError):
        log.exception("PDF build failed: %s", " ".join(command))
        failed.write_text("the build could not run", encoding="utf-8")
    finally:
        lock.unlink(missing_ok=True)


def _age(path: Path) -> float:
    """Seconds since `path` was written, or infinity when it does not exist."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")
