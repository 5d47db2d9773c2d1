"""Many people saving at once: no "database is locked", no lost writes, one winner per version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from stageflow.accounts.models import Account
from stageflow.core.models import HistoryEntry
from stageflow.people.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
RECORDS_PER_THREAD = 6


def test_eight_writers_at_once_lose_nothing(live_server, admin):
    _token, secret = api_token_create(user=admin, name="load")
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"{live_server.url}/api/v1/accounts"

    def work(worker: int) -> list[int]:
        statuses = []
        with requests.Session() as session:
            session.headers.update(headers)
            for n in range(RECORDS_PER_THREAD):
                created = session.post(base, json={"name": f"W{worker}-{n}"}, timeout=60)
                statuses.append(created.status_code)
                account_id = created.json()["id"]
                edited = session.patch(f"{base}/{account_id}", timeout=60,
                                       json={"billing_city": f"City {worker}", "version": 1})
                statuses.append(edited.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = [code for result in pool.map(work, range(THREADS)) for code in result]

    assert sorted(set(statuses)) == [200, 201]
    assert Account.objects.count() == THREADS * RECORDS_PER_THREAD
    assert set(Account.objects.values_list("version", flat=True)) == {2}
    assert HistoryEntry.objects.count() == 2 * THREADS * RECORDS_PER_THREAD


def test_two_editors_of_the_same_version_one_wins_one_gets_409(live_server, admin, make_account):
    account = make_account(admin, "Contested")
    _token, secret = api_token_create(user=admin, name="load")
    url = f"{live_server.url}/api/v1/accounts/{account.pk}"

    def edit(city: str) -> int:
        response = requests.patch(url, json={"billing_city": city}, timeout=60,
                                  headers={"Authorization": f"Bearer {secret}", "If-Match": "1"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(edit, ["Springfield", "Shelbyville"]))

    assert codes == [200, 409]
    account.refresh_from_db()
    assert account.version == 2
    assert HistoryEntry.objects.filter(object_id=account.pk, action="updated").count() == 1


def test_two_clients_taking_the_same_transition_one_wins(live_server, admin, training):
    from stageflow.core.models import Via
    from stageflow.sales import services
    from stageflow.sales.models import StageChange

    record = services.record_create(actor=admin, via=Via.CLI, kind="opportunity",
                                    values={"title": "Contested"})
    _token, secret = api_token_create(user=admin, name="load")
    url = f"{live_server.url}/api/v1/opportunities/{record.pk}/transitions"
    body = {"transition": "T1", "version": 1,
            "values": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}}

    def take(_client: int) -> int:
        response = requests.post(url, json=body, timeout=60,
                                 headers={"Authorization": f"Bearer {secret}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(take, range(2)))

    assert codes == [200, 409]
    record.refresh_from_db()
    assert record.step == "qualified"  # (T1 also made the account and contact: version 4)
    assert StageChange.objects.filter(opportunity=record, transition="T1").count() == 1
    from stageflow.core.history import history_of

    moves = [entry for entry in history_of(record).filter(action="updated")
             if any(change["field"] == "step" for change in entry.changes)]
    assert len(moves) == 1
