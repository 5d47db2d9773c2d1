"""The graph layout and its SVG drawing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from stageflow.engine import (
    GraphEdge,
    PipelineDefinition,
    from_dict,
    graph,
    render_svg,
    to_dict,
)

SVG = "{http://www.w3.org/2000/svg}"


def _classes(svg: str, kind: str) -> dict[str, str]:
    """data-<kind> value -> class of each group in the drawing."""
    root = ET.fromstring(svg)
    return {
        group.attrib[f"data-{kind}"]: group.attrib["class"]
        for group in root.iter(f"{SVG}g")
        if f"data-{kind}" in group.attrib
    }


def test_columns_follow_the_funnel_then_closed_stages(training: PipelineDefinition) -> None:
    data = to_dict(training)
    data["stages"][2]["position"] = 5  # won before enquiry by position

    layout = graph(from_dict(data))

    assert [column.stage for column in layout.columns] == [
        "enquiry",
        "proposed",
        "won",
        "lost",
        "archived",
    ]


def test_steps_are_stacked_in_their_stage_column(training: PipelineDefinition) -> None:
    layout = graph(training)
    nodes = {node.step: node for node in layout.nodes}

    assert [(n.step, n.column, n.row) for n in layout.nodes][:3] == [
        ("new_enquiry", 0, 0),
        ("qualified", 0, 1),
        ("proposal_sent", 1, 0),
    ]
    assert nodes["qualified"].x == nodes["new_enquiry"].x
    assert nodes["qualified"].y > nodes["new_enquiry"].y
    assert nodes["proposal_sent"].x > nodes["new_enquiry"].x
    assert layout.width >= max(n.x + n.width for n in layout.nodes)
    assert layout.height >= max(n.y + n.height for n in layout.nodes)


def test_edges_are_the_declared_transitions(training: PipelineDefinition) -> None:
    layout = graph(training)

    assert layout.free_moves is False
    assert layout.edges[0] == GraphEdge("T1", "Qualify", "new_enquiry", "qualified")
    assert [edge.key for edge in layout.edges] == [f"T{n}" for n in range(1, 9)]


def test_free_moves_draw_only_restricted_stages(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][3]["allowed_next"] = ["new"]

    layout = graph(from_dict(simple_data))

    assert layout.free_moves is True
    assert layout.edges == (GraphEdge("to:new", "New", "lost", "new"),)


def test_svg_highlights_the_current_step_and_greys_unreachable_ones(
    training: PipelineDefinition,
) -> None:
    svg = render_svg(training, current_step="proposal_sent", values={})

    steps = _classes(svg, "step")
    transitions = _classes(svg, "transition")

    assert steps["proposal_sent"] == "current"
    assert steps["proposal_accepted"] == "step"
    assert steps["new_enquiry"] == "unreachable"
    assert steps["won"] == "unreachable"
    assert transitions["T3"] == "transition allowed"
    assert transitions["T6"] == "transition blocked"  # lost_reason is missing
    assert transitions["T1"] == "transition plain"


def test_svg_without_a_current_step_has_no_highlight(training: PipelineDefinition) -> None:
    svg = render_svg(training)

    assert set(_classes(svg, "step").values()) == {"step"}
    assert set(_classes(svg, "transition").values()) == {"transition plain"}


def test_all_text_in_the_svg_is_escaped(simple_data: dict[str, Any]) -> None:
    simple_data["name"] = "<script>alert(1)</script>"
    simple_data["stages"][0]["names"] = {"en": 'New & "hot" <b>'}

    svg = render_svg(from_dict(simple_data), current_step="new")

    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "New &amp; &quot;hot&quot; &lt;b&gt;" in svg
    ET.fromstring(svg)  # well-formed


def test_a_large_pipeline_draws_as_well_formed_svg() -> None:
    stages = [{"key": f"s{n}", "position": n, "is_default": n == 0} for n in range(6)]
    stages += [
        {"key": "won", "position": 90, "status": "won"},
        {"key": "lost", "position": 91, "status": "lost"},
    ]
    steps = [
        {"key": f"step{n}", "name": f"Step number {n} with a long name", "stage": f"s{n % 6}"}
        for n in range(36)
    ]
    steps += [
        {"key": "w", "name": "Won", "stage": "won"},
        {"key": "l", "name": "Lost", "stage": "lost"},
    ]
    transitions = [
        {"key": f"t{n}", "name": f"Go {n}", "from": f"step{n}", "to": f"step{n + 1}"}
        for n in range(35)
    ]
    transitions += [
        {"key": "win", "name": "Win", "from": "step35", "to": "w"},
        {"key": "lose", "name": "Lose", "from": "*", "to": "l"},
    ]
    definition = from_dict(
        {
            "key": "big",
            "record_type": "opportunity",
            "name": "Big",
            "stages": stages,
            "steps": steps,
            "transitions": transitions,
        }
    )

    svg = render_svg(definition, current_step="step7")

    root = ET.fromstring(svg)
    assert len([g for g in root.iter(f"{SVG}g") if "data-step" in g.attrib]) == 38
    assert len([g for g in root.iter(f"{SVG}g") if "data-transition" in g.attrib]) == 37
    assert "Step number 7 with a lo…" in svg
