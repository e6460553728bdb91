"""The course domain library: content model, Markdown, self-tests, locales and builds.

It imports no Flask, so it can be used from a script, a notebook or a test.
"""

from __future__ import annotations

from course.catalog import Course, Resolved, load_course
from course.errors import ContentError
from course.model import Module, Option, Question, Quiz, Section
from course.quiz import QuestionResult, QuizResult, grade

__all__ = [
    "ContentError",
    "Course",
    "Module",
    "Option",
    "Question",
    "QuestionResult",
    "Quiz",
    "QuizResult",
    "Resolved",
    "Section",
    "grade",
    "load_course",
]
