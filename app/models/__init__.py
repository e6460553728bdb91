"""The data model, one module per concept; importing this package registers every table.

Alembic's environment imports `Base` from here, so `omnicourse db revision
--autogenerate` always sees every table. A new model goes in a module of this
package, imported below, with a migration in app/migrations/versions.
"""

from app.models.accounts import (
    CHANGE_EMAIL,
    DISPLAY_NAME_MAX,
    RESET_PASSWORD,
    ROLES,
    VERIFY_EMAIL,
    AccountToken,
    TrustedDevice,
    User,
    UserSession,
    token_hash,
)
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
from app.models.lti import LtiCache, LtiLink, LtiPlatform, LtiScore, LtiUser
from app.models.mail import OutboxMessage
from app.models.progress import Learner, Progress, QuizAttempt, QuizDraw, SectionRead
from app.models.studio import MESSAGE_MAX, STUDIO_TEXT_MAX, Publication, StudioDraft
from app.models.xapi import XapiStatement

__all__ = [
    "AUDIT_NOTE",
    "AUDIT_STATUS",
    "CHANGE_EMAIL",
    "DISPLAY_NAME_MAX",
    "MESSAGE_MAX",
    "RATING_SCALE",
    "RESET_PASSWORD",
    "ROLES",
    "STATUSES",
    "STUDIO_TEXT_MAX",
    "TEXT_MAX",
    "VERIFY_EMAIL",
    "WHOLE_COURSE",
    "AccountToken",
    "Base",
    "Certificate",
    "Feedback",
    "FeedbackAudit",
    "Learner",
    "LtiCache",
    "LtiLink",
    "LtiPlatform",
    "LtiScore",
    "LtiUser",
    "OutboxMessage",
    "Progress",
    "Publication",
    "QuizAttempt",
    "QuizDraw",
    "RateLimitHit",
    "SectionRead",
    "SectionVote",
    "StudioDraft",
    "TrustedDevice",
    "User",
    "UserSession",
    "XapiStatement",
    "new_token",
    "token_hash",
    "utcnow",
]
