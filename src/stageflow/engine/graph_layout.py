"""A simple layered layout of a workflow for drawing: one column per stage, steps stacked.

Columns follow the funnel: open stages by position, then won, lost and archived stages. The
layout is deterministic so pictures (and their tests) are stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .definitions import ANY_STEP, DEFAULT_LANGUAGE, PipelineDefinition, Stage, StageStatus
from .workflow import index_of

MARGIN: Final = 20
COLUMN_WIDTH: Final = 200
COLUMN_GAP: Final = 100
HEADER_HEIGHT: Final = 56
NODE_WIDTH: Final = 168
NODE_HEIGHT: Final = 44
ROW_GAP: Final = 40
_STATUS_ORDER: Final[dict[str, int]] = {"open": 0, "won": 1, "lost": 2, "archived": 3}


@dataclass(frozen=True, slots=True)
class GraphColumn:
    stage: str
    label: str
    status: StageStatus
    active: bool
    colour: str | None
    x: int
    width: int


@dataclass(frozen=True, slots=True)
class GraphNode:
    step: str
    label: str
    stage: str
    column: int
    row: int
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class GraphEdge:
    key: str
    label: str
    from_step: str  # a step key, or ANY_STEP for a transition allowed from every step
    to_step: str

    @property
    def from_any(self) -> bool:
        return self.from_step == ANY_STEP


@dataclass(frozen=True, slots=True)
class WorkflowGraph:
    columns: tuple[GraphColumn, ...]
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    # True when the pipeline declares no transitions: unrestricted stages get no edges.
    free_moves: bool
    width: int
    height: int


def column_order(definition: PipelineDefinition) -> tuple[Stage, ...]:
    """Stages left to right: open ones in funnel order, then won, lost, archived."""
    ordered = index_of(definition).stage_order
    return tuple(sorted(ordered, key=lambda stage: _STATUS_ORDER.get(stage.status, 4)))


def graph(definition: PipelineDefinition, *, lang: str = DEFAULT_LANGUAGE) -> WorkflowGraph:
    """Lay out the effective steps (grouped by stage) and the declared transitions."""
    index = index_of(definition)
    columns: list[GraphColumn] = []
    nodes: list[GraphNode] = []
    max_rows = 0
    for number, stage in enumerate(column_order(definition)):
        x = MARGIN + number * (COLUMN_WIDTH + COLUMN_GAP)
        columns.append(
            GraphColumn(
                stage=stage.key,
                label=stage.label(lang),
                status=stage.status,
                active=stage.active,
                colour=stage.colour,
                x=x,
                width=COLUMN_WIDTH,
            )
        )
        step_keys = index.steps_of_stage.get(stage.key, ())
        max_rows = max(max_rows, len(step_keys))
        for row, key in enumerate(step_keys):
            nodes.append(
                GraphNode(
                    step=key,
                    label=index.steps[key].name,
                    stage=stage.key,
                    column=number,
                    row=row,
                    x=x + (COLUMN_WIDTH - NODE_WIDTH) // 2,
                    y=MARGIN + HEADER_HEIGHT + ROW_GAP + row * (NODE_HEIGHT + ROW_GAP),
                    width=NODE_WIDTH,
                    height=NODE_HEIGHT,
                )
            )
    edges = _edges(definition)
    width = MARGIN * 2 + max(len(columns), 1) * (COLUMN_WIDTH + COLUMN_GAP) - COLUMN_GAP
    height = MARGIN * 2 + HEADER_HEIGHT + ROW_GAP + max(max_rows, 1) * (NODE_HEIGHT + ROW_GAP)
    return WorkflowGraph(
        columns=tuple(columns),
        nodes=tuple(nodes),
        edges=edges,
        free_moves=index.free_moves,
        width=width,
        height=height,
    )


def _edges(definition: PipelineDefinition) -> tuple[GraphEdge, ...]:
    index = index_of(definition)
    known = index.steps
    if not index.free_moves:
        return tuple(
            GraphEdge(key=t.key, label=t.name, from_step=t.from_step, to_step=t.to_step)
            for t in index.transitions.values()
            if t.to_step in known and (t.from_step == ANY_STEP or t.from_step in known)
        )
    # Without transitions only stages that restrict their next stages get drawn edges;
    # everything else may move anywhere, which the picture states instead of drawing.
    edges: list[GraphEdge] = []
    for step in index.step_order:
        stage = index.stages.get(step.stage)
        if (
            stage is None
            or not stage.allowed_next
            or index.first_step_of_stage[stage.key] != step.key
        ):
            continue
        edges.extend(
            GraphEdge(key=t.key, label=t.name, from_step=t.from_step, to_step=t.to_step)
            for t in index.outgoing(step.key)
        )
    return tuple(edges)
