"""xAPI 1.0.3 statements of what a learner does in the course.

Pure functions of the course's content and the learner's identity: no database,
no request. Each statement gets its id (a UUID) here, once, when the event is
recorded; the outbox keeps it with the statement, so every retry sends the same id.

Verbs (ADL's vocabulary): `launched` a module (the learner's first record in it),
`experienced` a section (read) or an audio (listened to, the module's or a
section's), `answered` each question of a self-test (a `cmi.interaction`),
`passed` or `failed` the self-test with its scaled score, `completed` a module.

Activity ids are IRIs under the site's public address (OMNICOURSE_SERVER_NAME):
`<site>/` the course, `<site>/modules/<slug>` a module, `…/sections/<id>`,
`…/audio`, `…/sections/<id>/audio`, `…/self-test` and `…/self-test/<question>`.
They carry no language: names are language maps in the language the learner used.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from course.markdown import plain_text
from course.model import Module, Question, Section
from course.quiz import QuestionResult, QuizResult

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
VERB_NAMES = {
    "launched": "launched",
    "experienced": "experienced",
    "answered": "answered",
    "passed": "passed",
    "failed": "failed",
    "completed": "completed",
}
PLATFORM = "omnicourse"
Statement = dict[str, Any]


@dataclass(frozen=True)
class Site:
    """Where the course lives and what it is called in each language."""

    base_url: str  # the public address, without a trailing slash
    course_titles: dict[str, str]  # locale -> title

    def course_activity(self) -> dict[str, Any]:
        names = {language_tag(locale): title for locale, title in self.course_titles.items()}
        return activity(f"{self.base_url}/", "course", names)


def language_tag(locale: str) -> str:
    """A locale code as an RFC 5646 tag (pt_BR → pt-BR)."""
    return locale.replace("_", "-")


def account_actor(email: str) -> dict[str, Any]:
    """A signed-in learner: the SHA-1 of their mailbox IRI, never the address itself."""
    mailbox = f"mailto:{email.strip().lower()}"
    return {"objectType": "Agent", "mbox_sha1sum": hashlib.sha1(mailbox.encode()).hexdigest()}


def guest_actor(site: Site, guest_id: str) -> dict[str, Any]:
    """A learner without an account: an account on this site, named by an opaque id."""
    return {"objectType": "Agent", "account": {"homePage": f"{site.base_url}/", "name": guest_id}}


def activity(activity_id: str, kind: str, name: dict[str, str], **definition: Any) -> dict:
    return {
        "objectType": "Activity",
        "id": activity_id,
        "definition": {"type": ADL_ACTIVITIES + kind, "name": name, **definition},
    }


def _named(module: Module, text: str, locale: str = "") -> dict[str, str]:
    return {language_tag(locale or module.locale): text}


def module_id(site: Site, module: Module) -> str:
    return f"{site.base_url}/modules/{module.slug}"


def module_activity(site: Site, module: Module) -> dict[str, Any]:
    description = module.description.strip()
    described = {"description": _named(module, description)} if description else {}
    return activity(module_id(site, module), "module", _named(module, module.title), **described)


def section_activity(site: Site, module: Module, section: Section) -> dict[str, Any]:
    return activity(
        f"{module_id(site, module)}/sections/{section.id}",
        "lesson",
        _named(module, section.title, section.locale),
    )


def audio_activity(site: Site, module: Module, section: Section | None) -> dict[str, Any]:
    if section is None:
        return activity(f"{module_id(site, module)}/audio", "media", _named(module, module.title))
    return activity(
        f"{module_id(site, module)}/sections/{section.id}/audio",
        "media",
        _named(module, section.title, section.locale),
    )


def self_test_activity(site: Site, module: Module) -> dict[str, Any]:
    assert module.quiz is not None
    return activity(
        f"{module_id(site, module)}/self-test",
        "assessment",
        _named(module, module.quiz.title, module.quiz.locale),
    )


def statement(
    actor: dict[str, Any],
    verb: str,
    target: dict[str, Any],
    when: datetime,
    context: dict[str, Any],
    result: dict[str, Any] | None = None,
) -> Statement:
    """One statement with a new id; `when` is UTC."""
    built: Statement = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": ADL_VERBS + verb, "display": {"en-US": VERB_NAMES[verb]}},
        "object": target,
        "context": context,
        "timestamp": when.isoformat(timespec="milliseconds") + "Z",
    }
    if result is not None:
        built["result"] = result
    return built


def context(site: Site, module: Module, *parents: dict[str, Any]) -> dict[str, Any]:
    """The language the learner used, the activities above this one, the course as grouping."""
    return {
        "platform": PLATFORM,
        "language": language_tag(module.locale),
        "contextActivities": {
            "parent": [_reference(p) for p in parents] or [_reference(site.course_activity())],
            "grouping": [_reference(site.course_activity())],
        },
    }


def _reference(target: dict[str, Any]) -> dict[str, Any]:
    """An activity in a context: its id and type are enough."""
    return {
        "objectType": "Activity",
        "id": target["id"],
        "definition": {"type": target["definition"]["type"]},
    }


# --- what the learner did ----------------------------------------------------


def launched(site: Site, actor: dict, module: Module, when: datetime) -> Statement:
    return statement(actor, "launched", module_activity(site, module), when, context(site, module))


def completed(site: Site, actor: dict, module: Module, when: datetime) -> Statement:
    return statement(
        actor,
        "completed",
        module_activity(site, module),
        when,
        context(site, module),
        {"completion": True},
    )


def section_read(
    site: Site, actor: dict, module: Module, section: Section, when: datetime
) -> Statement:
    return statement(
        actor,
        "experienced",
        section_activity(site, module, section),
        when,
        context(site, module, module_activity(site, module)),
    )


def audio_listened(
    site: Site, actor: dict, module: Module, section: Section | None, when: datetime
) -> Statement:
    """The whole audio of the module (section None) or of one section, listened to."""
    parents = [module_activity(site, module)]
    if section is not None:
        parents.insert(0, section_activity(site, module, section))
    return statement(
        actor,
        "experienced",
        audio_activity(site, module, section),
        when,
        context(site, module, *parents),
    )


def answered(
    site: Site, actor: dict, module: Module, answer: QuestionResult, when: datetime
) -> Statement:
    test = self_test_activity(site, module)
    question = answer.question
    return statement(
        actor,
        "answered",
        interaction_activity(f"{test['id']}/{question.id}", module, question),
        when,
        context(site, module, test, module_activity(site, module)),
        {
            "success": answer.correct,
            "response": response_of(answer),
            "score": {"scaled": round(answer.points, 4)},
        },
    )


def self_test_graded(
    site: Site, actor: dict, module: Module, result: QuizResult, when: datetime
) -> Statement:
    """`passed` or `failed`, with the score as the course counts it (the pass mark included)."""
    return statement(
        actor,
        "passed" if result.passed else "failed",
        self_test_activity(site, module),
        when,
        context(site, module, module_activity(site, module)),
        {
            "success": result.passed,
            "completion": True,
            "score": {
                "scaled": round(result.ratio, 4),
                "raw": result.score,
                "min": 0,
                "max": result.total,
            },
        },
    )


# --- questions as cmi.interaction activities ----------------------------------

INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true-false": "choice",  # its options are written in the module's language
    "ordering": "sequencing",
    "matching": "matching",
}


def interaction_activity(activity_id: str, module: Module, question: Question) -> dict:
    locale = module.quiz.locale if module.quiz is not None else ""

    def named(text: str) -> dict[str, str]:
        return _named(module, text, locale)

    options = [
        {"id": option.key, "description": named(option.text or plain_text(option.html))}
        for option in question.options
    ]
    kind = INTERACTION_TYPES[question.kind]
    definition: dict[str, Any] = {
        "interactionType": kind,
        "correctResponsesPattern": [correct_pattern(question)],
    }
    if kind == "matching":
        definition["source"] = options
        definition["target"] = [
            {"id": option.key, "description": named(plain_text(option.match_html))}
            for option in question.options
        ]
    else:
        definition["choices"] = options
    return activity(
        activity_id,
        "cmi.interaction",
        named(question.prompt_text or plain_text(question.prompt_html)),
        **definition,
    )


def correct_pattern(question: Question) -> str:
    """The right answer in xAPI's response syntax (`a[,]c`; `a[.]a[,]b[.]b` for matching)."""
    if question.kind == "ordering":
        return "[,]".join(question.keys)  # the items are written in their right order
    if question.kind == "matching":
        return "[,]".join(f"{key}[.]{key}" for key in question.keys)
    return "[,]".join(sorted(question.correct_keys))


def response_of(answer: QuestionResult) -> str:
    """What the learner answered, in the same syntax as `correct_pattern`."""
    question = answer.question
    if question.kind == "ordering":  # a place for each item, in key order
        places = {key: place for key, place in zip(question.keys, answer.answer, strict=False)}
        ordered = sorted(places, key=lambda key: (_place(places[key]), key))
        return "[,]".join(ordered)
    if question.kind == "matching":  # the right-hand side picked for each item
        pairs = zip(question.keys, answer.answer, strict=False)
        return "[,]".join(f"{key}[.]{chosen}" for key, chosen in pairs if chosen)
    return "[,]".join(sorted(answer.chosen))


def _place(value: str) -> int:
    return int(value) if value.isdigit() else 10**6
