"""Cards kept on file (decision 14): only a payment provider's reference is ever stored.

A card is added with the provider's token (`tok_visa`, a Stripe payment-method id, …); its brand
and last four digits come from the provider, or are typed when the provider cannot tell. Anything
submitted that looks like a card number (13 to 19 digits, spaces or dashes allowed, passing the Luhn
check) is refused, so a number typed into the wrong box is never written anywhere.

Providers plug in through `register_payment_provider`; the built-in "test" provider knows the
Stripe-style test tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.access import ensure_may
from stageflow.accounts.models import Account, PaymentMethod
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry, Via
from stageflow.people.models import User


@dataclass(frozen=True, slots=True)
class CardDetails:
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentProvider:
    """`resolve` tells what card a token stands for, or None when the provider cannot say."""

    key: str
    label: str
    resolve: Callable[[str], CardDetails | None]


PAYMENT_PROVIDERS: dict[str, PaymentProvider] = {}
DEFAULT_PROVIDER = "test"


def register_payment_provider(provider: PaymentProvider) -> None:
    PAYMENT_PROVIDERS[provider.key] = provider


TEST_TOKENS = {
    "tok_visa": CardDetails(brand="Visa", last4="4242"),
    "tok_mastercard": CardDetails(brand="Mastercard", last4="4444"),
    "tok_amex": CardDetails(brand="Amex", last4="8431"),
}
register_payment_provider(PaymentProvider(key="test", label="Test cards",
                                          resolve=TEST_TOKENS.get))

# A run of 13 to 19 digits, each optionally followed by one space or dash.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?![ -]?\d)")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{3,200}$")
TEXT_FIELDS = ("provider", "token", "brand", "last4", "label")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    """Whether `text` holds something that passes as a card number."""
    return any(luhn_valid(re.sub(r"[ -]", "", match.group()))
               for match in _DIGIT_RUN.finditer(text))


def _refuse_card_numbers(values: Mapping[str, Any]) -> None:
    found = {name: _("Looks like a card number. Store only the payment provider's reference.")
             for name, value in values.items()
             if isinstance(value, str | int) and not isinstance(value, bool)
             and contains_card_number(str(value))}
    if found:
        raise InvalidInput(_("Card numbers are never stored."), fields=found)


def _text(values: Mapping[str, Any], name: str, errors: dict[str, str]) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = _("Enter text.")
        return ""
    return value.strip()


def _expiry(values: Mapping[str, Any], errors: dict[str, str]) -> tuple[int | None, int | None]:
    month, year = values.get("exp_month"), values.get("exp_year")
    if month in (None, "") and year in (None, ""):
        return None, None
    parsed: dict[str, int] = {}
    for name, raw, low, high in (("exp_month", month, 1, 12), ("exp_year", year, 2000, 2100)):
        if isinstance(raw, bool) or not str(raw).strip().isdigit() or not (
                low <= int(str(raw).strip()) <= high):
            errors[name] = _("Enter a number from %(low)s to %(high)s.") % {"low": low,
                                                                            "high": high}
        else:
            parsed[name] = int(str(raw).strip())
    return parsed.get("exp_month"), parsed.get("exp_year")


def _card(values: Mapping[str, Any], errors: dict[str, str]) -> tuple[str, str, CardDetails]:
    provider_key = _text(values, "provider", errors) or DEFAULT_PROVIDER
    token = _text(values, "token", errors)
    brand, last4 = _text(values, "brand", errors), _text(values, "last4", errors)
    provider = PAYMENT_PROVIDERS.get(provider_key)
    if provider is None:
        errors["provider"] = _("Unknown payment provider. Known: %(keys)s.") % {
            "keys": ", ".join(sorted(PAYMENT_PROVIDERS))}
    if not _TOKEN.match(token):
        errors["token"] = _("Enter the provider's reference for the card, such as tok_visa.")
    known = provider.resolve(token) if provider is not None and token else None
    exp_month, exp_year = _expiry(values, errors)
    if known is not None:
        for name, given in (("brand", brand), ("last4", last4)):
            if given and given.lower() != getattr(known, name).lower():
                errors[name] = _("The provider says %(value)s.") % {
                    "value": getattr(known, name)}
        return provider_key, token, CardDetails(
            brand=known.brand, last4=known.last4, exp_month=exp_month or known.exp_month,
            exp_year=exp_year or known.exp_year)
    if not brand or len(brand) > 30:
        errors.setdefault("brand", _("The provider does not know this card: give its brand."))
    if not re.fullmatch(r"\d{4}", last4):
        errors.setdefault("last4", _("Give the card's last four digits."))
    return provider_key, token, CardDetails(brand=brand, last4=last4, exp_month=exp_month,
                                            exp_year=exp_year)


@transaction.atomic
def payment_method_add(*, actor: User, via: Via, account: Account,
                       values: Mapping[str, Any]) -> PaymentMethod:
    """Keep a card on file for `account` from a provider's token (brand and last4 resolved)."""
    ensure_may(actor, "accounts", "edit", account)
    _refuse_card_numbers({name: values.get(name) for name in (*TEXT_FIELDS, "exp_month",
                                                                "exp_year")})
    errors: dict[str, str] = {}
    unknown = set(values) - {*TEXT_FIELDS, "exp_month", "exp_year", "is_default"}
    errors.update({name: _("Unknown field.") for name in sorted(unknown)})
    provider, token, card = _card(values, errors)
    label = _text(values, "label", errors)
    if len(label) > 100:
        errors["label"] = _("At most 100 characters.")
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    account = Account.objects.select_for_update().get(pk=account.pk)
    has_default = account.payment_methods.filter(is_default=True).exists()
    make_default = bool(values.get("is_default")) or not has_default
    if make_default and has_default:
        account.payment_methods.filter(is_default=True).update(is_default=False)
    method = PaymentMethod.objects.create(
        account=account, provider=provider, token=token, brand=card.brand, last4=card.last4,
        exp_month=card.exp_month, exp_year=card.exp_year, label=label, is_default=make_default,
        created_by=actor)
    record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Card %(card)s kept on file") % {"card": method})
    return method


@transaction.atomic
def payment_method_delete(*, actor: User, via: Via, payment_method: PaymentMethod) -> None:
    account = payment_method.account
    ensure_may(actor, "accounts", "edit", account)
    was_default = payment_method.is_default
    payment_method.delete()
    if was_default:
        # The oldest remaining card becomes the default, so an account with cards has one.
        successor = account.payment_methods.order_by("id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.UNLINKED,
                   summary=_("Card %(card)s removed") % {"card": payment_method})


def payment_methods_of(account: Account) -> QuerySet[PaymentMethod]:
    """The cards on file of an account the caller has already been allowed to see."""
    return account.payment_methods.order_by("-is_default", "id")


def payment_method_of(account: Account, payment_method_id: int) -> PaymentMethod:
    method = account.payment_methods.select_related("account").filter(
        pk=payment_method_id).first()
    if method is None:
        raise NotFound(_("No such payment method."))
    return method
