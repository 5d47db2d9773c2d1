"""The price book: who manages it, its rules, the picker and the CSV import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.models import Via
from stageflow.quotes import selectors, services
from stageflow.quotes.models import PriceBookItem
from stageflow.quotes.pricebook_import import price_book_import

pytestmark = pytest.mark.django_db

HEADER = "code,name,description,unit,unit_price,tax_rate,category,active\n"


def test_only_administrators_manage_the_book(sales_north: Any, admin: Any) -> None:
    with pytest.raises(NotAllowed):
        services.price_book_item_create(actor=sales_north, via=Via.API,
                                        values={"code": "X", "name": "X", "unit_price": "1"})

    assert PriceBookItem.objects.count() == 0


def test_codes_are_unique_and_every_bad_field_is_named(admin: Any, furnace: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.price_book_item_create(actor=admin, via=Via.API, values={
            "code": "FR-FURN-60K", "name": "", "unit_price": "12.345", "tax_rate": "-1"})

    assert set(refused.value.fields) == {"code", "name", "unit_price", "tax_rate"}
    assert PriceBookItem.objects.count() == 1


def test_the_picker_offers_active_items_codes_first(admin: Any, furnace: Any) -> None:
    for code, name, active in (("FR-AC-3T", "Install furnace-ready AC", True),
                               ("FR-OLD", "Old furnace service", False)):
        services.price_book_item_create(actor=admin, via=Via.API, values={
            "code": code, "name": name, "unit_price": "10", "active": active})

    assert [item.code for item in selectors.price_book_picks("fr-furn")] == ["FR-FURN-60K"]
    assert [item.code for item in selectors.price_book_picks("furnace")] == [
        "FR-FURN-60K", "FR-AC-3T"]
    assert selectors.price_book_picks("  ") == []


def test_import_adds_new_codes_and_updates_existing_ones(admin: Any, furnace: Any) -> None:
    text = (HEADER + "FR-FURN-60K,Install 60k BTU furnace,,each,4350.00,8.25,Residential HVAC,"
            "yes\nFR-TUNE,Tune-up,Yearly check,visit,89,,Maintenance,\n")

    result = price_book_import(actor=admin, via=Via.IMPORT, data=text.encode(), dry_run=False)

    assert (result.created, result.updated) == (1, 1)
    assert PriceBookItem.objects.get(code="FR-FURN-60K").unit_price == Decimal("4350.00")
    tune = PriceBookItem.objects.get(code="FR-TUNE")
    assert (tune.tax_rate, tune.active, tune.category) == (Decimal("0"), True, "Maintenance")


def test_a_dry_run_previews_and_keeps_nothing(admin: Any, furnace: Any) -> None:
    text = HEADER + "NEW-1,New,,,1.00,0,,yes\nFR-FURN-60K,Install 60k BTU furnace,,,1,0,,yes\n"

    result = price_book_import(actor=admin, via=Via.IMPORT, data=text, dry_run=True)

    assert [(row.code, row.action) for row in result.rows] == [("NEW-1", "create"),
                                                                ("FR-FURN-60K", "update")]
    assert list(PriceBookItem.objects.values_list("code", "unit_price")) == [
        ("FR-FURN-60K", Decimal("4200.00"))]


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(admin: Any) -> None:
    text = HEADER + "OK-1,Fine,,,1.00,0,,yes\nBAD-1,Broken,,,ten,0,,yes\nOK-1,Twice,,,2,0,,\n"

    with pytest.raises(InvalidInput) as refused:
        price_book_import(actor=admin, via=Via.IMPORT, data=text, dry_run=False)

    assert set(refused.value.fields) == {"rows.3.unit_price", "rows.4.code"}
    assert "Row 3, column unit_price" in refused.value.message
    assert PriceBookItem.objects.count() == 0


def test_unknown_and_missing_columns_are_named(admin: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        price_book_import(actor=admin, via=Via.IMPORT, data="code,price\nA,1\n", dry_run=True)

    assert set(refused.value.fields) == {"columns.price", "columns.name", "columns.unit_price"}


def test_import_is_for_administrators(sales_north: Any) -> None:
    with pytest.raises(NotAllowed):
        price_book_import(actor=sales_north, via=Via.IMPORT, data=HEADER, dry_run=True)
