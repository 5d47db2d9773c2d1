"""Orders and invoices as documents: one layout for the PDF and the print page.

The layout is a Django template (`web/billing/invoice_document.html`, shared by orders), so
everything typed is escaped. WeasyPrint never fetches anything: no file, no URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from stageflow.billing.lines import tax_by_rate
from stageflow.billing.models import Invoice, Order
from stageflow.core import workspace

STYLESHEET = "stageflow/billing.css"


@dataclass(frozen=True, slots=True)
class TaxRow:
    rate: Decimal
    amount: Decimal


def document_context(document: Order | Invoice) -> dict[str, Any]:
    """What the layout shows: company, customer, lines, totals with tax per rate, dates."""
    return {
        "document": document, "is_invoice": isinstance(document, Invoice),
        "lines": list(document.lines.all()), "company": workspace.current(),
        "customer": document.account, "contact": document.contact,
        "tax_rows": [TaxRow(rate=rate, amount=amount)
                     for rate, amount in tax_by_rate(document).items()],
    }


def document_pdf(document: Order | Invoice) -> bytes:
    # Imported here: WeasyPrint is slow to load and only PDFs need it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())  # every scheme refused: nothing is loaded
    html = render_to_string("web/billing/document_pdf.html", document_context(document))
    stylesheet = finders.find(STYLESHEET)
    styles = [CSS(string=Path(str(stylesheet)).read_text(), url_fetcher=no_fetching)] \
        if stylesheet else []
    return bytes(HTML(string=html, url_fetcher=no_fetching, base_url="/").write_pdf(
        stylesheets=styles))


def pdf_filename(document: Order | Invoice) -> str:
    """A name made of the number (or id) only: what people typed never names a file."""
    if isinstance(document, Order):
        return f"order-{document.number}.pdf"
    return f"invoice-{document.number or f'draft-{document.pk}'}.pdf"
