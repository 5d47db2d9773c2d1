"""record_list: the search box finds what the plain joins found, filters never repeat a record,
and pages load in one query; the indexes the board and follow-ons rely on are used."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from stageflow.accounts import services as account_services
from stageflow.core.models import Via
from stageflow.pipelines.models import Pipeline
from stageflow.sales import selectors, services
from stageflow.sales.access import records_for
from stageflow.sales.models import Lead, Opportunity

SEARCHES = ["acme", "ACME", "cm", "a", "Widgets", "idget", "stone", "STON", "Bob", "zoë",
            "o'bri", "100%", "50_50", 'say "hi"', "e w", "  acme  ", "nothing-like-this", "e",
            "ltd"]


def _record(actor: Any, kind: str, title: str, pipeline_key: str | None = None,
            **values: Any) -> Lead | Opportunity:
    return services.record_create(actor=actor, via=Via.CLI, kind=kind,  # type: ignore[arg-type]
                                  values={"title": title, **values}, pipeline_key=pipeline_key)


def _ids(user: Any, kind: str, **filters: Any) -> list[int]:
    return [r.pk for r in selectors.record_list(user=user, kind=kind, **filters)]


def _joined_search(user: Any, kind: str, text: str) -> set[int]:
    """What the search box found before it used search indexes: plain joins and icontains."""
    text = text.strip()
    return set(records_for(user, kind).filter(
        Q(title__icontains=text) | Q(account__name__icontains=text)
        | Q(contact__last_name__icontains=text)).values_list("pk", flat=True))


@pytest.fixture
def workspace(insurance, admin, sales_north, sales_south, make_account, make_contact):
    """Leads and opportunities of two offices, titled, with accounts and contacts whose names
    hold the searched words; one account and contact belong to the other office."""
    acme = make_account(admin, "Acme Widgets Ltd")
    hidden = make_account(sales_south, "Zoë's Bakery")  # outside sales_north's accounts
    stone = make_contact(admin, "Stone", first_name="Bob")
    brien = make_contact(sales_south, "O'Brien", first_name="Zed")
    north, south = {"owner": sales_north.pk}, {"owner": sales_south.pk}
    for kind in ("lead", "opportunity"):
        _record(admin, kind, "Yearly service", account=acme.pk, **north)
        _record(admin, kind, "New pump 100% covered", **north)
        _record(admin, kind, "Split 50_50 deal", contact=stone.pk, **north)
        _record(admin, kind, 'They say "hi" twice', **north)
        _record(admin, kind, "Oven repair", account=hidden.pk, contact=brien.pk, **north)
        _record(admin, kind, "Acme for the south", account=acme.pk, **south)
        _record(admin, kind, "Bob's bikes", **south)
    return {"acme": acme, "stone": stone}


@pytest.mark.parametrize("kind", ["lead", "opportunity"])
def test_search_finds_what_the_joins_found(workspace, admin, sales_north, kind):
    for user in (admin, sales_north):
        for text in SEARCHES:
            found = _ids(user, kind, q=text)
            assert len(found) == len(set(found)), text
            assert set(found) == _joined_search(user, kind, text), (user.username, text)
    assert len(_ids(admin, kind, q="acme")) == 2
    bobs = selectors.record_list(user=admin, kind=kind, q="bob")
    assert [r.title for r in bobs] == ["Bob's bikes"]  # not Bob Stone's deal
    assert len(_ids(sales_north, kind, q="zoë")) == 1  # the account is not theirs to see


@pytest.mark.parametrize("kind", ["lead", "opportunity"])
def test_search_follows_new_titles_renames_and_deletes(workspace, admin, kind):
    record = _record(admin, kind, "Harbour crane")
    assert _ids(admin, kind, q="crane") == [record.pk]

    services.record_update(actor=admin, via=Via.CLI, record=record,
                           values={"title": "Harbour tug"})
    assert _ids(admin, kind, q="crane") == []
    assert _ids(admin, kind, q="tug") == [record.pk]

    services.record_update(actor=admin, via=Via.CLI, record=record,
                           values={"description": "no title change"})
    assert _ids(admin, kind, q="tug") == [record.pk]

    account_services.account_update(actor=admin, via=Via.CLI, account=workspace["acme"],
                                    values={"name": "Globex"})
    assert len(_ids(admin, kind, q="globex")) == 2
    assert _ids(admin, kind, q="widgets") == []

    services.record_delete(actor=admin, via=Via.CLI, record=record)
    assert _ids(admin, kind, q="tug") == []


def test_search_sees_records_written_in_bulk(insurance, admin):
    pipeline = Pipeline.objects.get(record_type="opportunity", is_default=True)
    template = _record(admin, "opportunity", "Template")
    Opportunity.objects.bulk_create(
        Opportunity(title=f"Bulk deal {n}", pipeline=pipeline,
                    pipeline_version=template.pipeline_version, stage=template.stage,
                    step=template.step, stage_entered_at=template.stage_entered_at,
                    owner=admin) for n in range(3))

    assert len(_ids(admin, "opportunity", q="bulk dea")) == 3


def test_a_record_with_several_tags_is_listed_and_counted_once(insurance, admin):
    tagged = _record(admin, "opportunity", "Tagged twice")
    other = _record(admin, "opportunity", "Tagged once")
    for name in ("hot", "vip"):
        services.record_tag(actor=admin, via=Via.CLI, record=tagged, tag_name=name)
    services.record_tag(actor=admin, via=Via.CLI, record=other, tag_name="vip")
    records = selectors.record_list(user=admin, kind="opportunity", tag="vip", q="tagged")

    assert sorted(r.pk for r in records) == sorted([tagged.pk, other.pk])
    assert records.count() == 2
    assert "DISTINCT" not in str(records.query)
    assert [r.pk for r in selectors.record_list(user=admin, kind="opportunity",
                                                tag="hot")] == [tagged.pk]


def test_the_pipeline_filter_takes_a_key_or_an_id(insurance, training, admin):
    other = Pipeline.objects.filter(record_type="opportunity").exclude(pk=training.pk).get()
    mine = _record(admin, "opportunity", "In training", pipeline_key="training-sale")
    theirs = _record(admin, "opportunity", "Elsewhere", pipeline_key=other.key)

    assert _ids(admin, "opportunity", pipeline="training-sale") == [mine.pk]
    assert _ids(admin, "opportunity", pipeline_id=training.pk) == [mine.pk]
    assert _ids(admin, "opportunity", pipeline=other.key) == [theirs.pk]
    assert _ids(admin, "opportunity", pipeline="no-such-pipeline") == []


def test_a_page_is_one_query_in_the_lists_order(insurance, admin, make_account):
    account = make_account(admin, "Acme")
    made = [_record(admin, "opportunity", f"Deal {n:02}", account=account.pk)
            for n in range(7)]
    services.record_tag(actor=admin, via=Via.CLI, record=made[3], tag_name="hot")
    records = selectors.record_list(user=admin, kind="opportunity", ordering="title")
    paged = selectors.Paged(records)

    with CaptureQueriesContext(connection) as captured:
        page = paged[2:5]
        shown = [(r.title, r.account.name, r.owner.username, [t.name for t in r.tags.all()])
                 for r in page]
    assert len(captured) == 2  # the page with its joined rows, then its tags
    assert shown == [(f"Deal {n:02}", "Acme", admin.username, ["hot"] if n == 3 else [])
                     for n in (2, 3, 4)]
    assert paged.count() == len(paged) == 7
    assert paged[6].title == "Deal 06"
    assert [r.pk for r in paged[5:50]] == [r.pk for r in records[5:50]]


def test_a_first_page_comes_with_the_count(insurance, admin):
    for n in range(7):
        _record(admin, "opportunity", f"Deal {n:02}")
    records = selectors.record_list(user=admin, kind="opportunity", q="deal", ordering="title")
    paged = selectors.Paged(records, first=3)

    with CaptureQueriesContext(connection) as captured:
        assert paged.count() == 7
        first = [r.title for r in paged[0:3]]
    assert len(captured) == 3  # count with the page's ids, the page's rows, their tags
    assert first == ["Deal 00", "Deal 01", "Deal 02"]
    assert [r.title for r in paged[3:6]] == ["Deal 03", "Deal 04", "Deal 05"]
    assert selectors.Paged(records.filter(title="none"), first=3).count() == 0


def test_the_api_list_brings_lead_parent_and_follow_ons(training, admin):
    parent = _record(admin, "opportunity", "Parent")
    child = services.opportunity_follow_on(actor=admin, via=Via.CLI, parent=parent,
                                           follow_on="upsell", title="Child")
    records = selectors.with_links(selectors.record_list(user=admin, kind="opportunity",
                                                         pipeline_id=training.pk), "opportunity")

    with CaptureQueriesContext(connection) as captured:
        rows = selectors.Paged(records)[0:10]
        selectors.load_links(rows, "opportunity")
        links = {r.pk: (r.parent_id, r.lead, [c.pk for c in r.child_list]) for r in rows}
    assert len(captured) == 5  # rows, tags, follow-ons, competitors, sales team
    assert links == {parent.pk: (None, None, [child.pk]), child.pk: (parent.pk, None, [])}


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif("connection.vendor != 'sqlite'",
                    reason="reads SQLite's query plans; PostgreSQL plans its own way")
def test_sqlite_uses_the_board_and_follow_on_indexes_on_analysed_data(insurance, admin):
    """With statistics of a real workspace (parent NULL almost everywhere) the plain parent
    index looks useless to SQLite; the partial one does not, nor do the board's."""
    template = _record(admin, "opportunity", "Template")
    Opportunity.objects.bulk_create(
        Opportunity(title=f"Deal {n}", pipeline=template.pipeline,
                    pipeline_version=template.pipeline_version, stage=template.stage,
                    step=template.step, stage_entered_at=template.stage_entered_at,
                    owner=admin) for n in range(600))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    visible = records_for(admin, "opportunity")

    assert "sales_opp_follow_ons" in _plan(
        visible.order_by("created_at", "id").filter(parent=template))
    assert "sales_opp_follow_ons" in _plan(
        Opportunity.objects.filter(parent_id__in=[template.pk, 1, 2]))
    column = selectors.record_list(user=admin, kind="opportunity", ordering="-updated",
                                   pipeline_id=template.pipeline_id, stage=template.stage)
    assert "sales_opp_board_column" in _plan(column[:51])
    heads = selectors.record_list(user=admin, kind="opportunity",
                                  pipeline_id=template.pipeline_id).order_by().values(
        "stage", "currency")
    assert "COVERING INDEX sales_opp_board_heads" in _plan(
        heads.annotate(n=Count("id"), total=Sum("value")))


@pytest.mark.skipif("connection.vendor != 'sqlite'",
                    reason="only SQLite drops triggers when a migration rebuilds a table")
def test_the_title_search_triggers_survive_every_migration(db):
    """SQLite drops a table's triggers when a migration rebuilds the table; a migration that
    rebuilds sales_lead or sales_opportunity must create the search triggers again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}

    assert {f"{table}_search_{suffix}" for table in ("sales_lead", "sales_opportunity")
            for suffix in ("ai", "ad", "au")} <= triggers


def test_changed_columns_see_a_json_value_changed_in_place() -> None:
    from stageflow.sales.models import Opportunity
    from stageflow.sales.services import _changed_columns, _columns

    record = Opportunity(title="Pool", attributes={"depth": 1})
    loaded = _columns(record)
    record.attributes["depth"] = 2
    assert "attributes" in _changed_columns(record, loaded)
