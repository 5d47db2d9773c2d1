"""Normalising and checking the values people type: phone numbers, emails, web addresses."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

_email_validator = EmailValidator()
_url_validator = URLValidator(schemes=["http", "https"])


def normalise_phone(value: str) -> str:
    """E.164 form of a phone number typed in any common way; raises ValueError if invalid."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, settings.STAGEFLOW_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError(_("Enter a valid phone number, such as +1 415 555 0100.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("Enter a valid phone number, such as +1 415 555 0100."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        _email_validator(value)
    except ValidationError as error:
        raise ValueError(_("Enter a valid email address.")) from error
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        _url_validator(value)
    except ValidationError as error:
        raise ValueError(_("Enter a valid web address, such as https://example.com.")) from error
    return value
