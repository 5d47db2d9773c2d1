"""Publishing a version never strands a record: removed steps need a mapping, and records move."""

from __future__ import annotations

import pytest

from stageflow.core.errors import RuleRefused
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.pipelines.models import PipelineVersion
from stageflow.pipelines.services import pipeline_import, pipeline_publish
from stageflow.sales import services
from stageflow.sales.models import StageChange
from tests.sales.conftest import TRAINING

# Version 2 drops the "Payment Details Confirmed" step: T4 now leads straight to Won.
WITHOUT_PAYMENT_STEP = (
    TRAINING.replace("""- key: payment_details_confirmed
  name: Payment Details Confirmed
  stage: proposed
  attributes: [po_number]
""", "")
    .replace("""  from: proposal_accepted
  to: payment_details_confirmed""", """  from: proposal_accepted
  to: won""")
    .replace("""- key: T5
  name: Win
  from: payment_details_confirmed
  to: won
""", """- key: T5
  name: Win
  from: proposal_accepted
  to: won
"""))


@pytest.fixture
def waiting_for_payment(training, sales_north, make_account):
    record = services.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                    values={"title": "Acme",
                                            "account": make_account(sales_north, "Acme").pk})
    for transition, values in [("T2", {}), ("T3", {}), ("T4", {"po_number": "PO-7"})]:
        record = services.record_transition(actor=sales_north, via=Via.API, record=record,
                                            transition=transition, values=values)
    assert record.step == "payment_details_confirmed"
    return record


def test_publish_names_the_stranded_step_and_changes_nothing(admin, waiting_for_payment):
    draft = pipeline_import(actor=admin, via=Via.API, text=WITHOUT_PAYMENT_STEP,
                            file_format="yaml")

    with pytest.raises(RuleRefused) as refused:
        pipeline_publish(actor=admin, via=Via.API, pipeline=draft.pipeline)

    assert list(refused.value.fields) == ["step_mapping.payment_details_confirmed"]
    assert "1 record(s)" in refused.value.fields["step_mapping.payment_details_confirmed"]
    draft.refresh_from_db()
    assert draft.state == PipelineVersion.State.DRAFT
    waiting_for_payment.refresh_from_db()
    assert (waiting_for_payment.step, waiting_for_payment.pipeline_version) == (
        "payment_details_confirmed", 1)


def test_publish_with_a_mapping_moves_the_records_with_history(admin, waiting_for_payment):
    draft = pipeline_import(actor=admin, via=Via.API, text=WITHOUT_PAYMENT_STEP,
                            file_format="yaml")

    pipeline_publish(actor=admin, via=Via.API, pipeline=draft.pipeline,
                     step_mapping={"payment_details_confirmed": "proposal_accepted"})

    record = waiting_for_payment
    record.refresh_from_db()
    assert (record.step, record.stage, record.pipeline_version) == ("proposal_accepted",
                                                                    "proposed", 2)
    assert history_of(record).first().summary == "Moved by publishing version 2"
    change = StageChange.objects.filter(opportunity=record).last()
    assert (change.from_step, change.to_step, change.forced) == (
        "payment_details_confirmed", "proposal_accepted", True)
    won = services.record_transition(actor=admin, via=Via.API, record=record, transition="T5")
    assert won.status == "won"
