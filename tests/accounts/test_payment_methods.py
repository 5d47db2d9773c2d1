"""Cards on file: only a provider's reference is kept; card numbers are refused anywhere."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageflow.accounts.models import PaymentMethod
from stageflow.accounts.payment_methods import (
    contains_card_number,
    luhn_valid,
    payment_method_add,
    payment_method_delete,
)
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.history import history_of
from stageflow.core.models import Via


@pytest.fixture
def pat(make_account, office_north):
    return make_account(office_north, "Pat Lee")


def test_a_test_token_is_kept_with_its_brand_and_last_four(office_north, pat):
    method = payment_method_add(actor=office_north, via=Via.API, account=pat,
                                values={"token": "tok_visa", "label": "Pat's Visa"})

    assert (method.provider, method.token, method.brand, method.last4, method.is_default) == (
        "test", "tok_visa", "Visa", "4242", True)
    assert history_of(pat).first().summary == "Card Visa ••4242 kept on file"


@pytest.mark.parametrize(("token", "brand", "last4"), [
    ("tok_mastercard", "Mastercard", "4444"), ("tok_amex", "Amex", "8431")])
def test_each_test_token_resolves(office_north, pat, token, brand, last4):
    method = payment_method_add(actor=office_north, via=Via.API, account=pat,
                                values={"token": token})

    assert (method.brand, method.last4) == (brand, last4)


def test_an_unknown_token_needs_its_brand_and_last_four(office_north, pat):
    with pytest.raises(InvalidInput) as refused:
        payment_method_add(actor=office_north, via=Via.API,
                           account=pat, values={"token": "pm_1Nabc"})
    method = payment_method_add(actor=office_north, via=Via.API, account=pat, values={
        "token": "pm_1Nabc", "brand": "Visa", "last4": "1881", "exp_month": 4,
        "exp_year": 2030})

    assert set(refused.value.fields) == {"brand", "last4"}
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "Visa", "1881", 4, 2030)


@pytest.mark.parametrize("field", ["token", "label", "brand", "last4"])
@pytest.mark.parametrize("number", ["4242424242424242", "4242 4242 4242 4242",
                                    "4242-4242-4242-4242", "378282246310005"])
def test_a_card_number_anywhere_is_refused_naming_the_field(office_north, pat, field, number):
    values = {"token": "tok_visa", field: f"card {number}"}

    with pytest.raises(InvalidInput) as refused:
        payment_method_add(actor=office_north, via=Via.API, account=pat, values=values)

    assert list(refused.value.fields) == [field]
    assert not PaymentMethod.objects.exists()
    assert history_of(pat).filter(summary__contains="Card").count() == 0


def test_long_numbers_that_fail_the_luhn_check_are_not_card_numbers():
    assert not contains_card_number("order 4242424242424241")
    assert not contains_card_number("12 34")


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=12, max_size=18))
def test_any_number_completed_with_its_check_digit_is_found(digits):
    body = "".join(map(str, digits))
    check = next(d for d in "0123456789" if luhn_valid(body + d))

    assert contains_card_number(f"ref {body}{check} end")


def test_a_new_default_replaces_the_old_one(office_north, pat):
    first = payment_method_add(actor=office_north, via=Via.API, account=pat,
                               values={"token": "tok_visa"})
    second = payment_method_add(actor=office_north, via=Via.API, account=pat,
                                values={"token": "tok_amex", "is_default": True})

    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_deleting_the_default_makes_the_oldest_remaining_card_the_default(office_north, pat):
    first = payment_method_add(actor=office_north, via=Via.API, account=pat,
                               values={"token": "tok_visa"})
    second = payment_method_add(actor=office_north, via=Via.API, account=pat,
                                values={"token": "tok_amex"})

    payment_method_delete(actor=office_north, via=Via.API, payment_method=first)

    second.refresh_from_db()
    assert second.is_default is True
    assert history_of(pat).first().summary == "Card Visa ••4242 removed"


def test_who_may_not_edit_the_account_may_not_keep_a_card(sales_north, pat):
    with pytest.raises(NotAllowed):
        payment_method_add(actor=sales_north, via=Via.API, account=pat,
                           values={"token": "tok_visa"})

    assert not PaymentMethod.objects.exists()
