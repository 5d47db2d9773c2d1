"""The benchmark workspace: two offices, their people, and many generated accounts and contacts.

Records are written with `bulk_create` in batches (no services, no history rows): only the
reads are being measured, and 100,000 accounts must be ready in well under two minutes.
Everything comes from a seeded `random.Random`, so two runs measure the same data.
"""

from __future__ import annotations

import io
import random
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from vocabulary import (
    BRANCH_WORDS,
    CITIES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    FORMS_OF_ADDRESS,
    JOB_TITLES,
    LAST_NAMES,
    MAIL_PROVIDERS,
    NOTES,
    PLACE_WORDS,
    STREET_KINDS,
    STREET_NAMES,
    TRADES,
    City,
)

from stageflow.accounts.models import Account, AccountContact, Contact, CustomerStatus
from stageflow.people.models import Office, User
from stageflow.people.services import user_create

PASSWORD = "bench-Password-2024"
BATCH_SIZE = 2000
SUB_ACCOUNT_SHARE = 0.1
SECOND_LINK_SHARE = 0.2
STATUS_WEIGHTS = ((CustomerStatus.LEAD, 30), (CustomerStatus.ACTIVE, 55),
                  (CustomerStatus.INACTIVE, 15))


@dataclass(frozen=True)
class OfficeStaff:
    office: Office
    cities: tuple[City, ...]
    owner_ids: tuple[int, ...]


@dataclass(frozen=True)
class Workspace:
    administrator: User
    salesperson: User
    offices: tuple[OfficeStaff, ...]


@dataclass(frozen=True)
class Growth:
    accounts: int
    contacts: int
    links: int
    accounts_added: int
    contacts_added: int
    seconds: float


def create_workspace() -> Workspace:
    """Two offices; an administrator (superuser) and four salespeople, two in each office."""
    springfield = Office.objects.create(name="Springfield", code="SPI")
    denver = Office.objects.create(name="Denver", code="DEN")
    administrator = user_create(username="bench-admin", password=PASSWORD, first_name="Ada",
                                last_name="Admin", email="admin@bench.example",
                                role_keys=["administrator"], offices=[springfield],
                                is_superuser=True)

    def salesperson(username: str, first_name: str, office: Office) -> User:
        return user_create(username=username, password=PASSWORD, first_name=first_name,
                           last_name="Sales", email=f"{username}@bench.example",
                           role_keys=["salesperson"], offices=[office])

    measured = salesperson("bench-sales", "Sam", springfield)
    colleague = salesperson("bench-sales-2", "Sue", springfield)
    denver_team = [salesperson("bench-sales-3", "Dan", denver),
                   salesperson("bench-sales-4", "Dee", denver)]
    half = len(CITIES) // 2
    return Workspace(
        administrator=administrator,
        salesperson=measured,
        offices=(
            OfficeStaff(springfield, CITIES[:half], (measured.pk, colleague.pk)),
            OfficeStaff(denver, CITIES[half:], tuple(user.pk for user in denver_team)),
        ),
    )


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class _RecordFactory:
    """Builds unsaved accounts and contacts that look like a service business's customers."""

    def __init__(self, rng: random.Random, workspace: Workspace) -> None:
        self.rng = rng
        self.workspace = workspace
        self.statuses = [status for status, _weight in STATUS_WEIGHTS]
        self.status_weights = [weight for _status, weight in STATUS_WEIGHTS]

    def phone(self, city: City) -> str:
        return f"+1{city.area_code}555{self.rng.randrange(10_000):04d}"

    def street(self) -> str:
        rng = self.rng
        return f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}"

    def _business(self) -> tuple[str, str, str]:
        rng = self.rng
        trade = rng.choice(TRADES)
        pattern = rng.randrange(3)
        if pattern == 0:
            name = f"{rng.choice(LAST_NAMES)} {trade} {rng.choice(COMPANY_SUFFIXES)}"
        elif pattern == 1:
            name = f"{rng.choice(PLACE_WORDS)} {trade}"
        else:
            name = f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)} {trade}"
        domain = f"{_ascii_slug(name)[:24]}{rng.randrange(100)}.com"
        email = f"{rng.choice(('info', 'office', 'hello', 'accounts'))}@{domain}"
        website = f"https://www.{domain}" if rng.random() < 0.6 else ""
        return name, email, website

    def _household(self) -> tuple[str, str, str]:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.random() < 0.7:
            name = f"{last}, {first}"
        else:
            name = f"{first} and {rng.choice(FIRST_NAMES)} {last}"
        email = (f"{_ascii_slug(first)}.{_ascii_slug(last)}{rng.randrange(1000)}"
                 f"@{rng.choice(MAIL_PROVIDERS)}")
        return name, email, ""

    def account(self, staff: OfficeStaff, parent: Account | None = None) -> Account:
        rng = self.rng
        if parent is not None:
            name = f"{parent.name} – {rng.choice(BRANCH_WORDS)}"
            email, website = "", parent.website
        else:
            name, email, website = (self._business() if rng.random() < 0.65
                                    else self._household())
        city = rng.choice(staff.cities)
        billing_street = self.street()
        service_same = rng.random() < 0.6
        return Account(
            name=name,
            customer_status=rng.choices(self.statuses, self.status_weights)[0],
            parent=parent,
            owner_id=parent.owner_id if parent is not None else rng.choice(staff.owner_ids),
            office=staff.office,
            email=email,
            phone=self.phone(city),
            phone_alt=self.phone(city) if rng.random() < 0.2 else "",
            website=website,
            billing_street=billing_street,
            billing_city=city.name,
            billing_postcode=f"{rng.randint(10_000, 99_999)}",
            billing_region=city.region,
            billing_country="US",
            service_street=billing_street if service_same else "",
            service_city=city.name if service_same else "",
            service_postcode="",
            service_region=city.region if service_same else "",
            service_country="US" if service_same else "",
            notes=rng.choice(NOTES),
            created_by=self.workspace.administrator,
        )

    def contact(self, staff: OfficeStaff) -> Contact:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(staff.cities)
        email = (f"{_ascii_slug(first)[0]}{_ascii_slug(last)}{rng.randrange(1000)}"
                 f"@{rng.choice(MAIL_PROVIDERS)}")
        return Contact(
            first_name=first,
            last_name=last,
            title=rng.choice(FORMS_OF_ADDRESS),
            email=email,
            email_alt=f"{_ascii_slug(first)}@{_ascii_slug(last)}.net" if rng.random() < 0.1
            else "",
            phone=self.phone(city) if rng.random() < 0.6 else "",
            mobile=self.phone(city) if rng.random() < 0.7 else "",
            notes=rng.choice(NOTES),
            owner_id=rng.choice(staff.owner_ids),
            office=staff.office,
            created_by=self.workspace.administrator,
        )


def _account_ids_by_office(workspace: Workspace) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {staff.office.pk: [] for staff in workspace.offices}
    for pk, office_id in Account.objects.values_list("pk", "office_id"):
        ids[office_id].append(pk)
    return ids


def alternating(workspace: Workspace, count: int) -> list[OfficeStaff]:
    """The offices in turn, `count` times: half of the new records go to each."""
    return [workspace.offices[n % len(workspace.offices)] for n in range(count)]


def _add_accounts(factory: _RecordFactory, workspace: Workspace, count: int,
                  ids_by_office: dict[int, list[int]]) -> None:
    """`count` accounts, half per office; one in ten is a sub-account of another."""
    rng = factory.rng
    for start in range(0, count, BATCH_SIZE):
        batch = min(BATCH_SIZE, count - start)
        subs = int(batch * SUB_ACCOUNT_SHARE)
        top_level = [(staff, factory.account(staff))
                     for staff in alternating(workspace, batch - subs)]
        # SQLite ≥ 3.35 returns the new primary keys, so the sub-accounts can point at them.
        Account.objects.bulk_create([account for _staff, account in top_level])
        sub_accounts = []
        for _ in range(subs):
            staff, parent = rng.choice(top_level)
            sub_accounts.append((staff, factory.account(staff, parent=parent)))
        Account.objects.bulk_create([account for _staff, account in sub_accounts])
        for staff, account in (*top_level, *sub_accounts):
            ids_by_office[staff.office.pk].append(account.pk)


def _add_contacts(factory: _RecordFactory, workspace: Workspace, count: int,
                  ids_by_office: dict[int, list[int]]) -> None:
    """`count` contacts, each working for an account of its office, one in five for two."""
    rng = factory.rng
    for start in range(0, count, BATCH_SIZE):
        batch = min(BATCH_SIZE, count - start)
        contacts = [(staff, factory.contact(staff)) for staff in alternating(workspace, batch)]
        Contact.objects.bulk_create([contact for _staff, contact in contacts])
        links: list[AccountContact] = []
        for staff, contact in contacts:
            account_ids = ids_by_office[staff.office.pk]
            first = rng.choice(account_ids)
            links.append(AccountContact(account_id=first, contact_id=contact.pk,
                                        job_title=rng.choice(JOB_TITLES)))
            second = rng.choice(account_ids)
            if rng.random() < SECOND_LINK_SHARE and second != first:
                links.append(AccountContact(account_id=second, contact_id=contact.pk,
                                            job_title=rng.choice(JOB_TITLES)))
        AccountContact.objects.bulk_create(links)


def grow_to(size: int, workspace: Workspace, rng: random.Random) -> Growth:
    """Add accounts and contacts until there are `size` of each (the data only ever grows)."""
    started = time.perf_counter()
    factory = _RecordFactory(rng, workspace)
    new_accounts = max(0, size - Account.objects.count())
    new_contacts = max(0, size - Contact.objects.count())
    with transaction.atomic():
        ids_by_office = _account_ids_by_office(workspace)
        _add_accounts(factory, workspace, new_accounts, ids_by_office)
        _add_contacts(factory, workspace, new_contacts, ids_by_office)
    return Growth(
        accounts=Account.objects.count(),
        contacts=Contact.objects.count(),
        links=AccountContact.objects.count(),
        accounts_added=new_accounts,
        contacts_added=new_contacts,
        seconds=time.perf_counter() - started,
    )


def refresh_statistics() -> float:
    """As an administrator would after a large import: give the planner fresh statistics.
    Returns the seconds it took."""
    started = time.perf_counter()
    call_command("optimize", stdout=io.StringIO())
    return time.perf_counter() - started


def sample_ids(records: QuerySet[Any], count: int, rng: random.Random) -> list[int]:
    """Up to `count` random ids of `records` (what a person may see), for detail requests."""
    visible = list(records.values_list("pk", flat=True))
    return rng.sample(visible, min(count, len(visible)))
