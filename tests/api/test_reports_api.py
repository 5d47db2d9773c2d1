"""/api/v1/reports: the list, each report as JSON or a download, filters, scope, refusals."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from stageflow.core.models import Via
from tests.reports.dataset import DEALS, History, import_pipeline, recorded_history


@pytest.fixture
def history(admin: Any, sales_north: Any, sales_south: Any) -> Iterator[History]:
    """The fixed sales history of the report tests (tests/reports/dataset.py)."""
    import_pipeline(admin, DEALS)
    with recorded_history(admin, sales_north, sales_south) as recorded:
        yield recorded


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:1000])
    return response.json()


def test_the_list_names_every_report_with_its_filters_and_groupings(api_as: Any,
                                                                    sales_north: Any) -> None:
    listing = ok(api_as(sales_north).get("/reports"))

    reports = {item["key"]: item for item in listing["items"]}
    assert listing["count"] == len(reports)
    assert {"funnel", "pipeline", "forecast", "win_rate", "opportunities", "stage_time",
            "sources", "activities", "lost_reasons"} <= set(reports)
    assert reports["pipeline"]["group_by"] == ["stage", "owner", "office"]
    assert "as_of" in reports["funnel"]["filters"]


def test_reports_need_a_signed_in_caller(api_as: Any, db: None) -> None:
    assert api_as(None).get("/reports").status_code == 401
    assert api_as(None).get("/reports/funnel").status_code == 401


def test_the_funnel_of_a_record_type_in_a_bounded_number_of_queries(
        history: History, api_as: Any, django_assert_max_num_queries: Any) -> None:
    api = api_as(history.admin)

    with django_assert_max_num_queries(12):
        funnel = ok(api.get("/reports/funnel/opportunity"))

    assert funnel["key"] == "funnel"
    assert [(row["stage"], row["count"], row["value"], row["conversion"])
            for row in funnel["rows"]] == [("New", 1, "500.00", 80.0),
                                           ("Qualified", 1, "3000.00", 33.3),
                                           ("Proposal", 1, "4000.00", 50.0)]
    assert [column["key"] for column in funnel["columns"]][:3] == ["stage", "count", "value"]
    assert funnel["chart"] == {"kind": "funnel", "label_key": "stage", "value_keys": ["count"]}
    assert funnel["filters"]["pipeline"] == "deals"


def test_query_counts_do_not_grow_with_the_records(history: History, api_as: Any,
                                                   django_assert_max_num_queries: Any) -> None:
    from stageflow.sales import services as sales

    for number in range(15):
        sales.record_create(actor=history.sales_south, via=Via.API, kind="opportunity",
                            values={"title": f"More {number}", "value": "10",
                                    "expected_close_date": "2027-06-01"})
    api = api_as(history.admin)

    for path in ("/reports/funnel", "/reports/pipeline?group_by=owner", "/reports/forecast",
                 "/reports/win_rate?group_by=owner,source", "/reports/stage_time",
                 "/reports/lost_reasons", "/reports/activities"):
        with django_assert_max_num_queries(14):
            ok(api.get(path))


def test_a_salesperson_sees_figures_over_their_own_records_only(history: History,
                                                                api_as: Any) -> None:
    mine = ok(api_as(history.sales_south).get("/reports/pipeline", group_by="stage"))

    assert [(row["stage_key"], row["count"]) for row in mine["rows"]] == [
        ("new", 1), ("qualified", 0), ("proposal", 1), ("won", 0), ("lost", 0)]
    assert (mine["totals"]["open"], mine["totals"]["won"]) == (2, 0)


def test_pipeline_by_stage_as_of_a_past_day(history: History, api_as: Any) -> None:
    report = ok(api_as(history.admin).get("/reports/pipeline", group_by="stage",
                                          as_of="2027-03-07"))

    assert [(row["stage_key"], row["count"]) for row in report["rows"]] == [
        ("new", 1), ("qualified", 0), ("proposal", 2), ("won", 0), ("lost", 1)]
    assert report["filters"]["as_of"] == "2027-03-07"


def test_a_role_without_the_view_right_gets_403(history: History, api_as: Any,
                                                make_user: Any) -> None:
    from stageflow.people.models import Role

    Role.objects.create(key="nobody", name="Nobody")
    api = api_as(make_user("nobody", "nobody"))

    refused = ok(api.get("/reports/funnel/opportunity"), 403)
    assert refused["error"]["code"] == "forbidden"
    assert api.get("/reports/sources").status_code == 403


def test_an_unknown_report_is_404(api_as: Any, admin: Any) -> None:
    assert ok(api_as(admin).get("/reports/nonsense"), 404)["error"]["code"] == "not_found"


@pytest.mark.parametrize(("params", "field"), [
    ({"pipeline": "nowhere"}, "pipeline"),
    ({"owner": "abc"}, "owner"),
    ({"owner": "99999"}, "owner"),
    ({"office": "99999"}, "office"),
    ({"date_from": "2027-13-01"}, "date_from"),
    ({"date_from": "2027-03-05", "date_to": "2027-03-01"}, "date_to"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"group_by": "colour"}, "group_by"),
    ({"group_by": "owner,office"}, "group_by"),
    ({"record_type": "account"}, "record_type"),
    ({"format": "pdf"}, "format"),
])
def test_a_bad_filter_is_422_naming_the_parameter(history: History, api_as: Any,
                                                  params: dict[str, str], field: str) -> None:
    refused = ok(api_as(history.admin).get("/reports/pipeline", **params), 422)

    assert list(refused["error"]["fields"]) == [field]


def test_the_funnel_path_refuses_an_unknown_record_type(api_as: Any, admin: Any) -> None:
    refused = ok(api_as(admin).get("/reports/funnel/account"), 422)

    assert list(refused["error"]["fields"]) == ["record_type"]


def test_a_report_downloads_as_csv_and_xlsx(history: History, api_as: Any) -> None:
    from openpyxl import load_workbook

    api = api_as(history.admin)

    csv = api.get("/reports/funnel", format="csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    xlsx = api.get("/reports/funnel", format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active

    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="funnel.csv"' in csv["Content-Disposition"]
    assert text.splitlines()[:2] == [
        "Stage,Records,Value,Reached the stage,Went further,Conversion to a later stage",
        "New,1,500.00,5,4,80.0"]
    assert [cell.value for cell in sheet[2]] == ["New", 1, 500, 5, 4, 80.0]


def test_s1_opportunities_by_sales_rep_and_marketing_source(admin: Any, make_user: Any,
                                                            north: Any, make_account: Any,
                                                            api_as: Any) -> None:
    """S1 step 23, with the field-service preset keeping the marketing source as an
    attribute."""
    from stageflow.pipelines.services import preset_install
    from stageflow.sales import services as sales

    preset_install(actor=admin, via=Via.CLI, key="field_service")
    sales1 = make_user("sales1", "salesperson", north)
    jane = make_account(admin, "Jane Doe")

    def opportunity(source: str) -> Any:
        return sales.record_create(actor=admin, via=Via.API, kind="opportunity", values={
            "title": source, "account": jane.pk, "owner": sales1.pk,
            "attributes": {"product": "furnace_replacement", "marketing_source": source}},
            pipeline_key="field_service_opportunities")

    job = opportunity("google")
    opportunity("referral")
    sales.record_move_to_stage(actor=sales1, via=Via.API, record=job, stage="won")

    report = ok(api_as(admin).get("/reports/opportunities",
                                  group_by="sales_rep,marketing_source"))

    assert [(row["sales_rep"], row["marketing_source"], row["opportunities"], row["won"])
            for row in report["rows"]] == [("Sales1", "Google", 1, 1),
                                           ("Sales1", "Referral", 1, 0)]
    assert (report["totals"]["opportunities"], report["totals"]["won"],
            report["totals"]["close_rate"]) == (2, 1, 50.0)
