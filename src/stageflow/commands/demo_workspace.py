"""The demo workspace: offices, a user per built-in role, and customers to work with.

Loading it twice changes nothing the second time: every record is looked up before it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account, Contact
from stageflow.commands.demo_sales_work import load_demo_sales_work
from stageflow.core.models import Via
from stageflow.people.models import Office, User
from stageflow.people.roles import ensure_builtin_roles
from stageflow.people.services import user_create
from stageflow.pipelines.models import LookupValue, Pipeline
from stageflow.pipelines.selectors import attributes_of
from stageflow.pipelines.services import preset_install
from stageflow.presets import preset_keys
from stageflow.sales import selectors
from stageflow.sales import services as sales_services
from stageflow.sales.access import Kind
from stageflow.sales.models import Lead, Opportunity

OFFICES = [("North", "N"), ("South", "S")]

# username, first name, last name, role key, office names
USERS = [
    ("admin", "Alex", "Admin", "administrator", ["North", "South"]),
    ("manager", "Morgan", "Manager", "sales_manager", ["North", "South"]),
    ("sales1", "Sam", "Seller", "salesperson", ["North"]),
    ("sales2", "Sasha", "Stone", "salesperson", ["South"]),
    ("office1", "Olive", "Office", "office", ["North"]),
    ("marketing1", "Max", "Marketer", "marketing", ["North"]),
    ("service1", "Sid", "Service", "service_manager", ["North", "South"]),
    ("tech1", "Terry", "Tech", "technician", ["North"]),
]

# name, status, office, owner, city, phone, email, sub-accounts, contacts (first, last, job title)
ACCOUNTS: list[tuple[Any, ...]] = [
    ("Jane Doe", "lead", "North", "sales1", "Springfield", "+1 217 555 0101",
     "jane.doe@example.com", [], [("Jane", "Doe", "Homeowner")]),
    ("Acme Property Management", "active", "North", "sales1", "Springfield", "+1 217 555 0142",
     "office@acme-pm.example.com", ["Acme – 12 Elm Street", "Acme – Riverside Plaza"],
     [("Bob", "Stone", "Facilities manager"), ("Carol", "White", "Finance director")]),
    ("Riverside Bakery", "lead", "North", "office1", "Springfield", "+1 217 555 0177",
     "hello@riverside-bakery.example.com", [], [("Rita", "Baker", "Owner")]),
    ("Pat Lee", "lead", "South", "sales2", "Shelbyville", "+1 217 555 0190",
     "pat.lee@example.com", [], [("Pat", "Lee", "")]),
    ("Blue Lagoon Pools", "active", "South", "sales2", "Shelbyville", "+1 217 555 0123",
     "info@bluelagoon.example.com", ["Blue Lagoon – Community Pool"],
     [("Lena", "Park", "Operations")]),
    ("Northwind Training Ltd", "inactive", "South", "manager", "Capital City", "+1 217 555 0166",
     "learning@northwind.example.com", [], [("Nora", "Wind", "Learning lead")]),
]


# Per pipeline: a few records for the office to work with, owner and account by name.
DEMO_RECORDS: list[tuple[str, str, str]] = [
    ("Furnace replacement", "sales1", "Jane Doe"),
    ("Maintenance contract", "sales1", "Acme Property Management"),
    ("New enquiry", "sales2", "Blue Lagoon Pools"),
]


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    offices: str


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _account(name: str, office: Office, values: dict[str, Any], actor: User) -> Account:
    existing = Account.objects.filter(name=name, office=office).first()
    if existing is not None:
        return existing
    return account_services.account_create(actor=actor, via=Via.CLI,
                                           values={**values, "name": name, "office": office.pk})


@transaction.atomic
def load_demo_workspace(*, password: str) -> list[DemoSignIn]:
    ensure_builtin_roles()
    offices = {name: Office.objects.get_or_create(name=name, defaults={"code": code})[0]
               for name, code in OFFICES}
    sign_ins = []
    for username, first, last, role, office_names in USERS:
        if not User.objects.filter(username=username).exists():
            user_create(username=username, password=password, first_name=first, last_name=last,
                        email=f"{username}@stageflow.example.com", role_keys=[role],
                        offices=[offices[name] for name in office_names],
                        is_superuser=role == "administrator")
        sign_ins.append(DemoSignIn(username, role, ", ".join(office_names)))
    admin = _user("admin")
    for key in preset_keys():
        preset_install(actor=admin, via=Via.CLI, key=key)
    for name, status, office_name, owner, city, phone, email, subs, people in ACCOUNTS:
        office = offices[office_name]
        account = _account(name, office, {
            "customer_status": status, "owner": _user(owner).pk, "billing_city": city,
            "phone": phone, "email": email}, admin)
        for sub_name in subs:
            _account(sub_name, office, {"parent": account.pk, "owner": _user(owner).pk,
                                        "customer_status": status, "billing_city": city}, admin)
        for first, last, job_title in people:
            if Contact.objects.filter(first_name=first, last_name=last, office=office).exists():
                continue
            account_services.contact_create(
                actor=admin, via=Via.CLI, account=account, job_title=job_title,
                values={"first_name": first, "last_name": last, "office": office.pk,
                        "owner": _user(owner).pk,
                        "email": f"{first.lower()}.{last.lower()}@example.com"})
    _demo_records(admin)
    load_demo_sales_work(admin, _user("tech1"))
    return sign_ins


def _required_values(kind: str) -> dict[str, Any]:
    """A valid value for every custom attribute the record type requires at creation."""
    values: dict[str, Any] = {}
    for attribute in attributes_of(kind).filter(active=True, required_on_create=True):
        if attribute.lookup:
            choice = LookupValue.objects.filter(table=attribute.lookup, active=True).first()
            values[attribute.key] = choice.key if choice else ""
        elif attribute.choices:
            values[attribute.key] = attribute.choices[0]["key"]
        elif attribute.type == "bool":
            values[attribute.key] = True
        else:
            values[attribute.key] = "Demo"
    return values


def _demo_records(admin: User) -> None:
    """Records on every live pipeline, the second of each moved one step on when it can be."""
    for pipeline in Pipeline.objects.filter(live_version__isnull=False).order_by("key"):
        kind: Kind = "lead" if pipeline.record_type == "lead" else "opportunity"
        model = Lead if kind == "lead" else Opportunity
        for index, (title, owner, account_name) in enumerate(DEMO_RECORDS):
            full_title = f"{account_name} – {title}"
            if model.objects.filter(pipeline=pipeline, title=full_title).exists():
                continue
            account = Account.objects.filter(name=account_name).first()
            values: dict[str, Any] = {"title": full_title, "owner": _user(owner).pk,
                                      "attributes": _required_values(kind)}
            if account is not None:
                values["account"] = account.pk
                values["office"] = account.office_id
            record = sales_services.record_create(actor=admin, via=Via.CLI, kind=kind,
                                                  values=values, pipeline_key=pipeline.key)
            if index == 1:
                _move_on(admin, record)


def _move_on(admin: User, record: Any) -> None:
    selectors.attach_definitions([record])
    for option in selectors.transition_options(record):
        if option.allowed:
            sales_services.record_transition(actor=admin, via=Via.CLI, record=record,
                                             transition=option.key)
            return
