"""Draw a workflow as a standalone SVG: stage columns, step boxes and transition arrows.

With a current step the picture answers "where am I and where can I go": the current step is
green, transitions that can be taken now are green, ones blocked by missing values are orange
and dashed, and steps no transition reaches from here are greyed. Every piece of text comes
from users, so all of it is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final

from .decisions import available_transitions
from .definitions import DEFAULT_LANGUAGE, PipelineDefinition
from .graph_layout import (
    MARGIN,
    NODE_HEIGHT,
    ROW_GAP,
    GraphEdge,
    GraphNode,
    WorkflowGraph,
    graph,
)
from .validation import COLOUR_PATTERN
from .workflow import effective_transitions_from, index_of, unreachable_steps

MAX_LABEL_CHARS: Final = 24
# Distance of routed arrows from the boxes, inside the column margin.
_MARGIN_X: Final = 9
_STATUS_FILL: Final[Mapping[str, str]] = {
    "open": "#f4f6fa",
    "won": "#edf7ee",
    "lost": "#fbefef",
    "archived": "#f1f1f1",
}
_EDGE_COLOURS: Final[Mapping[str, str]] = {
    "plain": "#8a8f98",
    "allowed": "#2e7d32",
    "blocked": "#e65100",
}


def _text(value: str) -> str:
    return escape(value, quote=True)


def _short(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def render_svg(
    definition: PipelineDefinition,
    *,
    current_step: str | None = None,
    values: Mapping[str, object] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Return a standalone SVG document of the workflow, highlighting `current_step` if given."""
    layout = graph(definition, lang=lang)
    index = index_of(definition)
    if current_step is not None and current_step not in index.steps:
        current_step = None
    edge_state: dict[str, str] = {}
    greyed: set[str] = set()
    edges = list(layout.edges)
    if current_step is not None:
        for option in available_transitions(definition, current_step, values or {}, lang=lang):
            edge_state[option.key] = "allowed" if option.allowed else "blocked"
        greyed = set(unreachable_steps(definition, current_step))
        if layout.free_moves:
            # Free moves are not drawn in general; draw the ones open from here.
            drawn = {edge.key for edge in edges if edge.from_step == current_step}
            edges.extend(
                GraphEdge(key=t.key, label=t.name, from_step=t.from_step, to_step=t.to_step)
                for t in effective_transitions_from(definition, current_step)
                if t.key not in drawn
            )
    parts = [_header(definition, layout, lang)]
    parts.extend(_columns(layout))
    nodes = {node.step: node for node in layout.nodes}
    parts.extend(_edge_svg(edges, nodes, current_step, edge_state))
    parts.extend(_node_svg(node, current_step, greyed) for node in layout.nodes)
    parts.append(_footer(layout, current_step is not None))
    parts.append("</svg>\n")
    return "\n".join(parts)


def _header(definition: PipelineDefinition, layout: WorkflowGraph, lang: str) -> str:
    height = layout.height + 30
    markers = "".join(
        f'<marker id="arrow-{state}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
        for state, colour in _EDGE_COLOURS.items()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" height="{height}" '
        f'viewBox="0 0 {layout.width} {height}" font-family="system-ui, sans-serif" '
        f'font-size="12" role="img">\n'
        f"<title>{_text(definition.name)} (v{definition.version})</title>\n"
        f"<defs>{markers}</defs>\n"
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
    )


def _columns(layout: WorkflowGraph) -> list[str]:
    parts = []
    column_height = layout.height - 2 * MARGIN
    for column in layout.columns:
        fill = _STATUS_FILL.get(column.status, "#f4f6fa")
        band = column.colour if column.colour and COLOUR_PATTERN.fullmatch(column.colour) else None
        opacity = "" if column.active else ' opacity="0.55"'
        title = column.label + ("" if column.active else " (inactive)")
        parts.append(
            f'<g class="stage" data-stage="{_text(column.stage)}"{opacity}>'
            f'<rect x="{column.x}" y="{MARGIN}" width="{column.width}" height="{column_height}" '
            f'rx="8" fill="{fill}" stroke="#d5d9e0"/>'
            + (
                f'<rect x="{column.x}" y="{MARGIN}" width="{column.width}" height="6" rx="3" '
                f'fill="{band}"/>'
                if band
                else ""
            )
            + f'<text x="{column.x + column.width // 2}" y="{MARGIN + 26}" text-anchor="middle" '
            f'font-weight="600" font-size="14"><title>{_text(title)}</title>'
            f"{_text(_short(title, 26))}</text>"
            f'<text x="{column.x + column.width // 2}" y="{MARGIN + 44}" text-anchor="middle" '
            f'fill="#5f6670" font-size="11">{_text(column.status)}</text></g>'
        )
    return parts


def _lane_above(node: GraphNode, row: int, offset: int) -> float:
    """A y inside the empty band above `row`; rows line up across columns, so it is free."""
    return node.y - (node.row - row) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP / 2 - offset


def _edge_path(source: GraphNode, target: GraphNode, bend: int) -> tuple[str, float, float]:
    """An SVG path between two boxes that never crosses a third box, and a label point."""
    y1, y2 = source.y + source.height / 2, target.y + target.height / 2
    offset = (bend % 4) * 6
    if target.column == source.column + 1:
        x1, x2 = source.x + source.width, target.x
        dx = (x2 - x1) / 2
        path = f"M{x1},{y1:.0f} C{x1 + dx:.0f},{y1:.0f} {x2 - dx:.0f},{y2:.0f} {x2},{y2:.0f}"
        return path, (x1 + x2) / 2, (y1 + y2) / 2 - 4
    if target.column == source.column:
        x = source.x + source.width
        out = x + 14 + offset
        path = f"M{x},{y1:.0f} C{out},{y1:.0f} {out},{y2:.0f} {x},{y2:.0f}"
        return path, out + 2, (y1 + y2) / 2 + 3
    # Longer moves run along the column margins and the empty bands between rows.
    if target.column > source.column:
        x1, xs = source.x + source.width, source.x + source.width + _MARGIN_X
        x2, xt = target.x, target.x - _MARGIN_X
        lane = _lane_above(source, min(source.row, target.row), offset)
    else:
        x1, xs = source.x, source.x - _MARGIN_X
        x2, xt = target.x + target.width, target.x + target.width + _MARGIN_X
        lane = _lane_above(source, max(source.row, target.row) + 1, -offset)
    path = f"M{x1},{y1:.0f} H{xs} V{lane:.0f} H{xt} V{y2:.0f} H{x2}"
    return path, (xs + xt) / 2, lane - 3


def _edge_svg(
    edges: list[GraphEdge],
    nodes: Mapping[str, GraphNode],
    current_step: str | None,
    edge_state: Mapping[str, str],
) -> list[str]:
    parts = []
    bends: dict[tuple[int, int], int] = {}
    for edge in edges:
        target = nodes.get(edge.to_step)
        if target is None:
            continue
        from_here = current_step is not None and (
            edge.from_step == current_step or (edge.from_any and edge.to_step != current_step)
        )
        state = edge_state.get(edge.key, "plain") if from_here else "plain"
        colour = _EDGE_COLOURS[state]
        width = "1.2" if state == "plain" else "2.5"
        dash = ' stroke-dasharray="6 4"' if state == "blocked" else ""
        label = _text(_short(edge.label, 22))
        title = f"<title>{_text(edge.key)}: {_text(edge.label)}</title>"
        stroke = f'stroke="{colour}" stroke-width="{width}"{dash}'
        attributes = f'class="transition {state}" data-transition="{_text(edge.key)}"'
        if edge.from_any:
            x, y = target.x + target.width / 2, target.y
            parts.append(
                f"<g {attributes}>{title}"
                f'<path d="M{x:.0f},{y - 18:.0f} L{x:.0f},{y:.0f}" fill="none" {stroke} '
                f'marker-end="url(#arrow-{state})"/>'
                f'<text x="{x + 6:.0f}" y="{y - 8:.0f}" font-size="10" fill="{colour}">'
                f"from any step: {label}</text></g>"
            )
            continue
        source = nodes.get(edge.from_step)
        if source is None:
            continue
        # Arrows routed through the same band are drawn side by side, not on top of each other.
        forward = target.column > source.column
        if target.column == source.column:
            band = (source.column, -1)
        elif forward:
            band = (min(source.row, target.row), 0)
        else:
            band = (max(source.row, target.row), 1)
        bend = 0
        if target.column != source.column + 1:
            bend = bends.get(band, 0)
            bends[band] = bend + 1
        path, lx, ly = _edge_path(source, target, bend)
        anchor = "start" if target.column == source.column else "middle"
        parts.append(
            f"<g {attributes}>{title}"
            f'<path d="{path}" fill="none" stroke-linejoin="round" {stroke} '
            f'marker-end="url(#arrow-{state})"/>'
            f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}" font-size="10" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
            f"{label}</text></g>"
        )
    return parts


def _node_svg(node: GraphNode, current_step: str | None, greyed: set[str]) -> str:
    if node.step == current_step:
        fill, stroke, ink, state = "#c8e6c9", "#2e7d32", "#1b5e20", "current"
    elif node.step in greyed:
        fill, stroke, ink, state = "#eeeeee", "#c4c4c4", "#9e9e9e", "unreachable"
    else:
        fill, stroke, ink, state = "#ffffff", "#7a8290", "#1f2329", "step"
    width = "2.5" if state == "current" else "1.2"
    return (
        f'<g class="{state}" data-step="{_text(node.step)}">'
        f"<title>{_text(node.label)} ({_text(node.step)})</title>"
        f'<rect x="{node.x}" y="{node.y}" width="{node.width}" height="{node.height}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>'
        f'<text x="{node.x + node.width // 2}" y="{node.y + node.height // 2 + 4}" '
        f'text-anchor="middle" fill="{ink}">{_text(_short(node.label))}</text></g>'
    )


def _footer(layout: WorkflowGraph, highlighted: bool) -> str:
    y = layout.height + 12
    notes = []
    if layout.free_moves:
        notes.append("No transitions declared: a record may move to any active stage.")
    if highlighted:
        notes.append("Green: current step and moves open now. Orange dashed: values missing.")
        notes.append("Grey: not reachable in one move.")
    return (
        f'<text x="{MARGIN}" y="{y}" fill="#5f6670" font-size="11">{_text(" ".join(notes))}</text>'
    )
