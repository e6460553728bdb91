"""Helpers for self-test tests: read the questions a page shows, answer them as a learner would.

A self-test page shows a draw from the module's bank, with its options in a
shuffled order and named by their place on the page, so a test finds each
option by its text, as a learner does.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from markupsafe import Markup

from course.model import Question, Quiz
from tests.conftest import csrf_token

FIELDSET = re.compile(r'<fieldset class="question question--[\w-]+[^"]*" id="(?P<id>[^"]+)"')
OPTION = re.compile(r'<option value="\d+"(?: selected(?:="[^"]*")?)?>(.*?)</option>')
REVIEWED_ITEM = re.compile(r'<span class="item__place"[^>]*>.*?</span>\s*<span>(.*?)</span>', re.S)
DRAW = re.compile(r'name="draw" value="([\w-]+)"')


@dataclass(frozen=True)
class Shown:
    question: Question
    order: tuple[str, ...]  # option keys (answers, for matching) in the order of the page


def _label(page: str, field: str) -> str:
    end = r'\s*(?:<strong|<span class="tag|</label>)'
    found = re.search(rf'<label for="{re.escape(field)}">(.*?){end}', page, re.S)
    assert found, f"no label for {field}"
    return found.group(1).strip()


def shown_questions(page: str, quiz: Quiz) -> list[Shown]:
    """The questions of a self-test page, in its order, with the order of their options.

    On a graded page (a review) the answers of a matching question are no longer
    listed, so their order is given as written.
    """
    shown = []
    matches = list(FIELDSET.finditer(page))
    for number, match in enumerate(matches):
        question = quiz.question(match["id"])
        assert question is not None, f"the page shows {match['id']}, which the quiz lacks"
        end = matches[number + 1].start() if number + 1 < len(matches) else len(page)
        block = page[match.end() : end]
        if question.kind == "matching":
            start = block.find(f'name="{question.id}.1"')
            if start < 0:
                shown.append(Shown(question, question.keys))
                continue
            select = block[start : block.index("</select>", start)]
            texts = [html_lib.unescape(text) for text in OPTION.findall(select)]
            by_text = {Markup(o.match_html).striptags(): o.key for o in question.options}
            order = tuple(by_text[text] for text in texts)
        elif question.kind == "ordering" and 'class="item__place"' in block:
            by_html = {o.html: o.key for o in question.options}
            order = tuple(by_html[html] for html in REVIEWED_ITEM.findall(block))
        else:
            by_html = {o.html: o.key for o in question.options}
            count = len(question.options)
            order = tuple(
                by_html[_label(block, f"{question.id}-{place}")] for place in range(1, count + 1)
            )
        shown.append(Shown(question, order))
    return shown


def draw_id(page: str) -> str:
    found = DRAW.search(page)
    assert found, "the page has no open self-test"
    return found.group(1)


def answer_form(page: str, quiz: Quiz, right: bool | list[bool] = True) -> dict[str, object]:
    """What a learner sends who answers every question of the page rightly, or wrongly
    (or, with a list, question by question as it says)."""
    shown = shown_questions(page, quiz)
    rights = right if isinstance(right, list) else [right] * len(shown)
    form: dict[str, object] = {"csrf_token": csrf_token(page), "draw": draw_id(page)}
    for item, good in zip(shown, rights, strict=True):
        form.update(answer_fields(item, good))
    return form


def answer_fields(item: Shown, right: bool) -> dict[str, object]:
    question, order = item.question, item.order
    place = {key: index for index, key in enumerate(order, start=1)}
    keys = question.keys
    if question.kind == "ordering":
        # Right: each item at its own position; wrong: every item one position on.
        return {
            f"{question.id}.{place[key]}": str((i if right else (i + 1) % len(keys)) + 1)
            for i, key in enumerate(keys)
        }
    if question.kind == "matching":
        return {
            f"{question.id}.{i + 1}": str(place[keys[i if right else (i + 1) % len(keys)]])
            for i in range(len(keys))
        }
    if right:
        return {question.id: [str(place[key]) for key in sorted(question.correct_keys)]}
    wrong = [o.key for o in question.options if not o.correct][:1]
    return {question.id: [str(place[key]) for key in wrong]}


def take_quiz(client, url: str, quiz: Quiz, right: bool | list[bool] = True, **kwargs):
    """Open the self-test at `url` and send answers to what it shows."""
    page = client.get(url, **kwargs).get_data(as_text=True)
    return client.post(url, data=answer_form(page, quiz, right), **kwargs)


def answer_in_browser(page, quiz: Quiz, right: bool | list[bool] = True) -> list[Shown]:
    """Answer the self-test open in a Playwright `page` as a learner does, by clicking and
    choosing from lists; return what it showed."""
    shown = shown_questions(page.content(), quiz)
    rights = right if isinstance(right, list) else [right] * len(shown)
    for item, good in zip(shown, rights, strict=True):
        for name, value in answer_fields(item, good).items():
            if isinstance(value, list):
                for place in value:
                    page.locator(f"#{name}-{place}").check()
            else:
                page.locator(f"#{name.replace('.', '-')}").select_option(value)
    return shown
