"""The estimate as a document: one layout for the PDF, the print page and the client's page.

The layout is the Django template `web/quotes/estimate_document.html`, so everything typed is
escaped by Django. A workspace document template (kind "document", key "estimate") may add an
introduction; it runs in the communications sandbox, which escapes every merged value.
WeasyPrint never fetches anything: no file, no URL a template might name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from stageflow.communications.models import MessageTemplate
from stageflow.communications.templating import merge_context, render_text
from stageflow.core import workspace
from stageflow.core.errors import InvalidInput
from stageflow.quotes.models import Estimate, EstimateLine, trimmed
from stageflow.quotes.services import totals_of

logger = logging.getLogger(__name__)

INTRODUCTION_KEY = "estimate"
STYLESHEET = "stageflow/estimate-document.css"


@dataclass(frozen=True, slots=True)
class TaxRow:
    rate: Decimal
    amount: Decimal


def introduction(estimate: Estimate) -> SafeString:
    """The workspace's introduction text for this estimate's customer, or nothing."""
    template = MessageTemplate.objects.filter(key=INTRODUCTION_KEY, active=True,
                                              kind=MessageTemplate.Kind.DOCUMENT).first()
    record = estimate.opportunity or estimate.account
    if template is None or record is None:
        return mark_safe("")
    try:
        rendered = render_text(kind=template.kind, subject="", body=template.body,
                               context=merge_context(record))
    except InvalidInput as error:
        # A broken introduction must not stop the client from reading the quote itself.
        logger.warning("estimate introduction not rendered: %s", error.fields)
        return mark_safe("")
    # Document templates render with autoescape on: every merged value is already escaped.
    return mark_safe(rendered.body)  # noqa: S308


def document_context(estimate: Estimate, lines: list[EstimateLine] | None = None,
                     ) -> dict[str, Any]:
    """What the layout shows: company, customer, lines, totals with tax per rate, terms."""
    rows = lines if lines is not None else list(estimate.lines.all())
    totals = totals_of(rows)
    return {
        "estimate": estimate, "lines": rows, "company": workspace.current(),
        "customer": estimate.account, "contact": estimate.contact,
        "tax_rows": [TaxRow(rate=trimmed(rate), amount=amount)
                     for rate, amount in totals.tax_by_rate.items()],
        "introduction": introduction(estimate),
    }


def estimate_pdf(estimate: Estimate) -> bytes:
    """The estimate as a PDF file."""
    # Imported here: WeasyPrint is slow to load and only PDFs need it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())  # every scheme refused: nothing is loaded
    html = render_to_string("web/quotes/estimate_pdf.html", document_context(estimate))
    stylesheet = finders.find(STYLESHEET)
    styles = [CSS(string=Path(str(stylesheet)).read_text(), url_fetcher=no_fetching)] \
        if stylesheet else []
    document = HTML(string=html, url_fetcher=no_fetching, base_url="/")
    return bytes(document.write_pdf(stylesheets=styles))


def pdf_filename(estimate: Estimate) -> str:
    """A file name made of the number only: what people typed never names a file."""
    return f"estimate-{estimate.number}.pdf"
