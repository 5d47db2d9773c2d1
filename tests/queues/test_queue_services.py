"""Work queues: filters, scope, ages and overdue flags, counts, managers' changes, the preset."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stageflow.accounts import services as account_services
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.queues import selectors
from stageflow.queues.models import WorkQueue
from stageflow.queues.services import queue_create, queue_delete, queue_update
from stageflow.sales import services as sales
from stageflow.sales.services import record_tag

DAY_0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def _names(user, queue) -> list[str]:
    return [str(record) for record in selectors.queue_entries(user, queue)]


def _followup(admin, **values) -> WorkQueue:
    return queue_create(actor=admin, via=Via.CLI, values={
        "name": "Sales Followup", "record_type": "account", "tags": ["Sales Followup"],
        "age_basis": "tagged", "max_age_days": 21, **values})


def test_an_account_tagged_22_days_ago_is_overdue_and_one_tagged_20_days_ago_is_not(
        admin, office_north, make_account):
    queue = _followup(admin)
    with time_machine.travel(DAY_0, tick=False) as clock:
        pat = make_account(office_north, "Pat Lee")
        record_tag(actor=office_north, via=Via.API, record=pat, tag_name="Sales Followup")
        clock.move_to(DAY_0 + dt.timedelta(days=2))
        kim = make_account(office_north, "Kim Park")
        record_tag(actor=office_north, via=Via.API, record=kim, tag_name="Sales Followup")
        clock.move_to(DAY_0 + dt.timedelta(days=22, hours=1))

        rows = selectors.entries_of(queue, selectors.queue_entries(admin, queue))
        [counted] = selectors.queue_counts(admin, [queue])

    assert [(row.name, row.age_days, row.overdue) for row in rows] == [
        ("Pat Lee", 22, True), ("Kim Park", 20, False)]
    assert (counted.count, counted.overdue) == (2, 1)


def test_age_counts_from_the_latest_tagging_not_from_creation(admin, office_north, make_account):
    queue = _followup(admin)
    with time_machine.travel(DAY_0, tick=False) as clock:
        pat = make_account(office_north, "Pat Lee")
        record_tag(actor=office_north, via=Via.API, record=pat, tag_name="Sales Followup")
        clock.move_to(DAY_0 + dt.timedelta(days=30))
        record_tag(actor=office_north, via=Via.API, record=pat, tag_name="Sales Followup",
                   add=False)
        record_tag(actor=office_north, via=Via.API, record=pat, tag_name="Sales Followup")
        clock.move_to(DAY_0 + dt.timedelta(days=35))

        [row] = selectors.entries_of(queue, selectors.queue_entries(admin, queue))

    assert (row.age_days, row.overdue) == (5, False)


def test_entries_follow_the_viewers_scope(admin, office_north, sales_south, make_account):
    queue = _followup(admin)
    north_customer = make_account(office_north, "North Customer")
    record_tag(actor=office_north, via=Via.API, record=north_customer, tag_name="Sales Followup")

    assert _names(admin, queue) == ["North Customer"]
    assert _names(sales_south, queue) == []


def test_all_tags_are_needed_and_excluded_tags_keep_an_entry_out(admin, office_north,
                                                                 make_account):
    queue = queue_create(actor=admin, via=Via.CLI, values={
        "name": "To schedule", "record_type": "account", "tags": ["Schedule", "Paid"],
        "without_tags": ["On hold"]})
    both = make_account(office_north, "Both")
    one = make_account(office_north, "One")
    held = make_account(office_north, "Held")
    for account, tags in ((both, ["Schedule", "Paid"]), (one, ["Schedule"]),
                          (held, ["Schedule", "Paid", "On hold"])):
        for tag in tags:
            record_tag(actor=office_north, via=Via.API, record=account, tag_name=tag)

    assert _names(admin, queue) == ["Both"]


def test_customer_status_owner_and_office_filters(admin, office_north, make_user, north, south,
                                                  make_account):
    other = make_user("office_s", "office", south)
    mine = make_account(office_north, "Mine")
    make_account(other, "Theirs")
    make_account(office_north, "Gone", customer_status="inactive")
    by_status = queue_create(actor=admin, via=Via.CLI, values={
        "name": "Live customers", "record_type": "account",
        "customer_statuses": ["lead", "active"]})
    by_viewer = queue_create(actor=admin, via=Via.CLI, values={
        "name": "My customers", "record_type": "account", "owner_filter": "viewer"})
    by_owner = queue_create(actor=admin, via=Via.CLI, values={
        "name": "Office S", "record_type": "account", "owner_filter": "user",
        "owner": other.pk})
    by_office = queue_create(actor=admin, via=Via.CLI, values={
        "name": "My office", "record_type": "account", "office_filter": "viewer"})

    assert _names(admin, by_status) == ["Mine", "Theirs"]
    assert _names(office_north, by_viewer) == ["Mine", "Gone"]
    assert _names(admin, by_owner) == ["Theirs"]
    assert _names(office_north, by_office) == ["Mine", "Gone"]
    assert mine.office == north


def test_opportunity_queue_by_pipeline_stage_and_time_in_stage(admin, sales_north, training):
    with time_machine.travel(DAY_0, tick=False) as clock:
        older = sales.record_create(actor=sales_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Older"})
        clock.move_to(DAY_0 + dt.timedelta(days=3))
        newer = sales.record_create(actor=sales_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Newer"})
        queue = queue_create(actor=admin, via=Via.CLI, values={
            "name": "Stuck", "record_type": "opportunity", "pipeline": training.key,
            "stages": [older.stage], "statuses": ["open"], "age_basis": "stage",
            "max_age_days": 2})
        clock.move_to(DAY_0 + dt.timedelta(days=4))

        rows = selectors.entries_of(queue, selectors.queue_entries(sales_north, queue))

    assert [(row.name, row.age_days, row.overdue) for row in rows] == [
        ("Older", 4, True), ("Newer", 1, False)]
    assert newer.stage == older.stage


@pytest.mark.parametrize(("values", "field"), [
    ({"age_basis": "stage"}, "age_basis"),
    ({"stages": ["new"]}, "stages"),
    ({"statuses": ["open"]}, "statuses"),
    ({"customer_statuses": ["prospect"]}, "customer_statuses"),
    ({"tags": "Quote"}, "tags"),
    ({"tags": [], "age_basis": "tagged"}, "age_basis"),
    ({"owner_filter": "user"}, "owner"),
    ({"office_filter": "office"}, "office"),
    ({"max_age_days": -1}, "max_age_days"),
    ({"without_tags": ["Quote"]}, "without_tags"),
    ({"record_type": "invoice"}, "record_type"),
    ({"name": ""}, "name"),
])
def test_a_bad_queue_is_refused_naming_the_field_and_nothing_is_saved(admin, values, field):
    with pytest.raises(InvalidInput) as refused:
        queue_create(actor=admin, via=Via.CLI, values={
            "name": "Quote", "record_type": "account", "tags": ["Quote"], **values})

    assert field in refused.value.fields
    assert not WorkQueue.objects.exists()


def test_stages_must_belong_to_the_chosen_pipeline(admin, training):
    with pytest.raises(InvalidInput) as refused:
        queue_create(actor=admin, via=Via.CLI, values={
            "name": "Q", "record_type": "opportunity", "pipeline": training.key,
            "stages": ["nowhere"]})

    assert refused.value.fields == {"stages": f"Not stages of {training.name}: nowhere."}


def test_two_queues_cannot_share_an_address_name(admin):
    _followup(admin, slug="sales-followup")

    with pytest.raises(InvalidInput) as refused:
        _followup(admin, name="Other", slug="Sales Followup")

    assert list(refused.value.fields) == ["slug"]
    assert WorkQueue.objects.count() == 1


def test_only_workspace_managers_change_queues(admin, office_north):
    queue = _followup(admin)

    with pytest.raises(NotAllowed):
        queue_create(actor=office_north, via=Via.WEB, values={"name": "Mine",
                                                             "record_type": "account"})
    with pytest.raises(NotAllowed):
        queue_update(actor=office_north, via=Via.WEB, queue=queue, values={"name": "Renamed"})
    with pytest.raises(NotAllowed):
        queue_delete(actor=office_north, via=Via.WEB, queue=queue)

    queue.refresh_from_db()
    assert (WorkQueue.objects.count(), queue.name, queue.version) == (1, "Sales Followup", 1)


def test_a_manager_edits_and_deletes_a_queue(admin):
    queue = _followup(admin)

    updated = queue_update(actor=admin, via=Via.WEB, queue=queue, values={"max_age_days": 14},
                           expected_version=1)
    queue_delete(actor=admin, via=Via.WEB, queue=updated, expected_version=2)

    assert updated.max_age_days == 14
    assert not WorkQueue.objects.exists()


def test_queues_are_visible_to_whoever_may_view_their_record_type(admin, make_user, north):
    from stageflow.people.models import Role, RolePermission, Scope

    role = Role.objects.create(key="deal_reader", name="Deal reader")
    RolePermission.objects.create(role=role, record_type="opportunities", action="view",
                                  scope=Scope.OFFICE)
    reader = make_user("reader", "deal_reader", north)
    _followup(admin)
    queue_create(actor=admin, via=Via.CLI, values={"name": "Open deals",
                                                    "record_type": "opportunity"})

    assert [q.name for q in selectors.visible_queues(admin)] == ["Open deals", "Sales Followup"]
    assert [q.name for q in selectors.visible_queues(reader)] == ["Open deals"]


def test_counting_runs_one_query_per_queue(admin, office_north, make_account,
                                          django_assert_max_num_queries):
    queues = [_followup(admin), _followup(admin, name="Quote", tags=["Quote"])]
    for number in range(5):
        account = make_account(office_north, f"Customer {number}")
        record_tag(actor=office_north, via=Via.API, record=account, tag_name="Quote")
        record_tag(actor=office_north, via=Via.API, record=account, tag_name="Sales Followup")
    admin = type(admin).objects.get(pk=admin.pk)

    with django_assert_max_num_queries(len(queues) + 3):
        counted = selectors.queue_counts(admin, list(selectors.visible_queues(admin)))

    assert [(c.queue.name, c.count) for c in counted] == [("Quote", 5), ("Sales Followup", 5)]


def test_the_quote_schedule_preset_ships_its_three_queues(admin, office_north, make_account):
    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")
    followup = selectors.access_queue(admin, "sales-followup")
    customer = make_account(office_north, "C2")
    record_tag(actor=office_north, via=Via.API, record=customer, tag_name="Sales Followup")
    in_queue = _names(admin, followup)

    account_services.account_update(actor=office_north, via=Via.API, account=customer,
                                    values={"customer_status": "inactive"})

    assert [(q.slug, q.tags, q.max_age_days) for q in WorkQueue.objects.all()] == [
        ("quote", ["Quote"], None), ("sales-followup", ["Sales Followup"], 21),
        ("schedule", ["Schedule"], None)]
    assert followup.age_basis == "tagged"
    assert in_queue == ["C2"]
    assert _names(admin, followup) == []


def test_installing_the_preset_twice_keeps_the_queues_as_they_are(admin):
    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")
    queue_update(actor=admin, via=Via.WEB, queue=WorkQueue.objects.get(slug="quote"),
                 values={"name": "Quotes to send"})

    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")

    assert list(WorkQueue.objects.values_list("name", flat=True)) == [
        "Quotes to send", "Sales Followup", "Schedule"]
