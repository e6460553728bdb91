"""What a voice reads of a module: an intro, each section, and the key points.

The audio build speaks these texts, and a human recording stores a hash of
the one it reads (course/audio_recordings.py), so both start from here.
"""

from __future__ import annotations

from html import escape

from course.markdown import speech_text
from course.model import Module, Section

INTRO_PART = "_intro"  # the title and learning outcomes, before the sections (not a section id)
CLOSING_PART = "_key-points"  # the key points, after the sections
# The words the intro and closing parts read before their lists (the UI catalogue's own).
LABELS = {
    "outcomes": {
        "en": "Learning outcomes",
        "pl": "Efekty uczenia się",
        "zh": "学习成果",
        "yo": "Àwọn àbájáde ẹ̀kọ́",
    },
    "key_points": {
        "en": "Key points",
        "pl": "Najważniejsze punkty",
        "zh": "要点",
        "yo": "Àwọn kókó pàtàkì",
    },
}


def section_speech(section: Section) -> str:
    """What a voice reads for one section: its title, then its text."""
    return "\n".join(part for part in (_title_speech(section.title), section.speech_text) if part)


def _title_speech(title: str) -> str:
    return speech_text(f"<p>{escape(title)}</p>")


def _label(kind: str, locale: str) -> str:
    labels = LABELS[kind]
    return labels.get(locale) or labels.get(locale.split("_")[0]) or labels["en"]


def intro_speech(module: Module) -> str:
    """What a voice reads before the sections: the title, then the learning outcomes."""
    html = f"<p>{escape(module.title)}</p>"
    if module.outcomes:
        html += f"<p>{escape(_label('outcomes', module.locale))}:</p>"
        html += "".join(f"<p>{escape(text)}</p>" for text in module.outcomes.values())
    return speech_text(html)


def closing_speech(module: Module) -> str:
    """What a voice reads after the sections: the key points, or nothing."""
    if not module.key_points_html:
        return ""
    html = f"<p>{escape(_label('key_points', module.locale))}:</p>"
    return speech_text(html + "".join(f"<p>{point}</p>" for point in module.key_points_html))


def part_titles(module: Module) -> dict[str, str]:
    """The title of each part a module file may have, by part id (chapters, players)."""
    titles = {INTRO_PART: module.title}
    titles.update((section.id, section.title) for section in module.sections)
    titles[CLOSING_PART] = _label("key_points", module.locale)
    return titles


def module_speech(module: Module) -> str:
    """Everything a voice reads for the whole module, in order."""
    parts = [intro_speech(module), *(section_speech(s) for s in module.sections)]
    parts.append(closing_speech(module))
    return "\n".join(part for part in parts if part)
