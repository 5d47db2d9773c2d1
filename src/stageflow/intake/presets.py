"""The lead forms a preset comes with, by preset key (installed on `preset.installed`).

Kept here rather than in the preset files: a form is intake's concept, and the preset reader
knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PRESET_FORMS: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    # S5 step 5: the website's opt-in page; its leads get the source "Website opt-in".
    "insurance_agency": ({
        "name": "Website opt-in",
        "slug": "website-opt-in",
        "pipeline": "insurance_agency_leads",
        "source": "website_opt_in",
        "fields": [
            {"key": "name", "label": "Business name", "required": True},
            {"key": "contact_name", "label": "Your name", "required": False},
            {"key": "email", "label": "Email", "required": True},
            {"key": "phone", "label": "Phone", "required": False},
            {"key": "interest", "label": "What cover are you interested in?",
             "required": False},
            {"key": "message", "label": "Anything else we should know?", "required": False},
        ],
        "consent_text": "",
        "confirmation_message": "Thank you! One of our agents will be in touch shortly.",
        "is_default": True,
    },),
}
