# ruff: noqa: S608 - table names come from TITLE_SEARCH below; user text is a parameter.
"""Fast "contains" search over leads and opportunities: the overviews' search box.

A record matches when its title, its account's name or its main contact's last name contains
the text, ignoring case. As for accounts (stageflow.accounts.search), on SQLite a trigram
full-text index (FTS5) of the title, kept current by triggers (migration sales 0003), finds
titles without reading every row; on PostgreSQL a trigram GIN index on UPPER(title) serves the
ordinary `icontains`. Account names and contact last names go through the accounts' own
search indexes. Texts shorter than a trigram, and other databases, use plain `icontains`.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from stageflow.accounts.models import Account, Contact
from stageflow.accounts.search import TRIGRAM, text_condition
from stageflow.sales.models import Lead, Opportunity

# record table -> its title search index (an FTS5 table on SQLite)
TITLE_SEARCH: dict[str, str] = {
    "sales_lead": "sales_lead_search",
    "sales_opportunity": "sales_opportunity_search",
}


def record_search_condition(model: type[Lead] | type[Opportunity], text: str) -> Q:
    """Records of `model` whose title, account name or main contact's last name contains
    `text`, ignoring case; accounts and contacts count whoever may see them, as the joins on
    them did before.

    One `id IN (… UNION …)` subquery whose parts each use an index, so the database builds
    the set of matches once (an OR of three subqueries made SQLite build each one twice)."""
    table = model._meta.db_table
    accounts = Account.objects.filter(
        text_condition("accounts_account", ("name",), text)).order_by().values("pk")
    contacts = Contact.objects.filter(
        text_condition("accounts_contact", ("last_name",), text)).order_by().values("pk")
    if connection.vendor != "sqlite" or len(text) < TRIGRAM:
        records = model.objects.order_by()
        ids = records.filter(title__icontains=text).values("pk").union(
            records.filter(account_id__in=accounts).values("pk"),
            records.filter(contact_id__in=contacts).values("pk"))
        return Q(pk__in=ids)
    # Raw, because the title part must read the index alone: as a queryset it would look up
    # every matching row of the table as well.
    index = TITLE_SEARCH[table]
    account_sql, account_params = accounts.query.sql_with_params()
    contact_sql, contact_params = contacts.query.sql_with_params()
    sql = (f"SELECT rowid FROM {index} WHERE {index} MATCH %s "
           f"UNION ALL SELECT id FROM {table} WHERE account_id IN ({account_sql}) "
           f"UNION ALL SELECT id FROM {table} WHERE contact_id IN ({contact_sql})")
    phrase = '"' + text.replace('"', '""') + '"'
    return Q(pk__in=RawSQL(sql, [phrase, *account_params, *contact_params]))  # noqa: S611 (parameterised)
