"""Document numbers: "SO-00001" for orders, "INV-2026-0001" for invoices (per year).

The counter row is incremented with one UPDATE inside the caller's transaction: the row lock
makes concurrent writers wait their turn, and a rolled-back document gives its number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from stageflow.billing.models import DocumentCounter

ORDER_PREFIX = "SO"
INVOICE_PREFIX = "INV"


def _next(key: str) -> int:
    if not DocumentCounter.objects.filter(key=key).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(key=key, last=1)
            return 1
        except IntegrityError:  # another writer created the sequence first
            DocumentCounter.objects.filter(key=key).update(last=F("last") + 1)
    return DocumentCounter.objects.get(key=key).last


def next_order_number() -> str:
    return f"{ORDER_PREFIX}-{_next('orders'):05d}"


def next_invoice_number(year: int) -> str:
    return f"{INVOICE_PREFIX}-{year}-{_next(f'invoices-{year}'):04d}"
