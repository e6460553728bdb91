"""The data model, one module per concept; importing this package registers every table.

Alembic's environment imports `Base` from here, so `omnicourse db revision
--autogenerate` always sees every table. A new model goes in a module of this
package, imported below, with a migration in app/migrations/versions.
"""

from app.models.accounts import DISPLAY_NAME_MAX, ROLES, User
from app.models.base import Base, new_token, utcnow
from app.models.certificates import WHOLE_COURSE, Certificate
from app.models.feedback import (
    AUDIT_NOTE,
    AUDIT_STATUS,
    RATING_SCALE,
    STATUSES,
    TEXT_MAX,
    Feedback,
    FeedbackAudit,
    SectionVote,
)
from app.models.limits import RateLimitHit
from app.models.progress import Learner, Progress, QuizAttempt, QuizDraw, SectionRead

__all__ = [
    "AUDIT_NOTE",
    "AUDIT_STATUS",
    "DISPLAY_NAME_MAX",
    "RATING_SCALE",
    "ROLES",
    "STATUSES",
    "TEXT_MAX",
    "WHOLE_COURSE",
    "Base",
    "Certificate",
    "Feedback",
    "FeedbackAudit",
    "Learner",
    "Progress",
    "QuizAttempt",
    "QuizDraw",
    "RateLimitHit",
    "SectionRead",
    "SectionVote",
    "User",
    "new_token",
    "utcnow",
]
