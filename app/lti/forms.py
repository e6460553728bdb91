"""The teacher's module picker of a deep-linking launch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired, InputRequired


class DeepLinkForm(FlaskForm):
    launch_id = HiddenField(validators=[DataRequired()])
    module = RadioField(
        _l("Module"), validators=[InputRequired(message=_l("Choose a module."))], choices=[]
    )
    submit = SubmitField(_l("Add this module"))
