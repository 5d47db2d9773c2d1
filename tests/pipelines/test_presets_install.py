"""Installing the ready-made presets through the pipeline services."""

from __future__ import annotations

import pytest

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.core.models import Via
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.services import preset_install
from stageflow.presets import preset_keys


@pytest.mark.parametrize("key", preset_keys())
def test_each_preset_installs_live_and_a_second_install_changes_nothing(admin, key):
    first = preset_install(actor=admin, via=Via.WEB, key=key)
    second = preset_install(actor=admin, via=Via.WEB, key=key)

    assert first
    assert all(version.state == "published" for version in first)
    assert second == []
    assert Pipeline.objects.filter(live_version__isnull=False).count() == len(first)


def test_unknown_preset_is_not_found(admin):
    with pytest.raises(NotFound):
        preset_install(actor=admin, via=Via.WEB, key="../etc")


def test_only_administrators_install_presets(sales_north):
    with pytest.raises(NotAllowed):
        preset_install(actor=sales_north, via=Via.WEB, key="training")

    assert not Pipeline.objects.exists()
