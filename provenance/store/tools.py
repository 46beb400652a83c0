"""AI tools: the registry of tools a disclosure or event can name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import TOOL_RUNS, blank_to_none
from provenance.domain.views import ToolView
from provenance.store import convert
from provenance.store.history import Change
from provenance.store.models import Tool
from provenance.store.store import Store


def resolve_tool(session: Session, ref: str) -> Tool:
    """Find a registered AI tool by name (newest registration) or `name version`."""
    name = ref.strip()
    tool = session.scalars(select(Tool).where(Tool.name == name).order_by(Tool.id.desc())).first()
    if tool is None:
        for candidate in session.scalars(select(Tool).where(Tool.version.is_not(None))):
            if f"{candidate.name} {candidate.version}" == name:
                return candidate
        raise NotFound(f"no AI tool named {name!r}; register it first with `credence tool add`")
    return tool


def add_tool(
    store: Store,
    name: str,
    vendor: str,
    version: str | None = None,
    runs: str | None = None,
    training_data: str | None = None,
    retention: str | None = None,
    documentation: str | None = None,
) -> ToolView:
    """Register an AI tool. (name, version) is unique."""
    name, vendor = blank_to_none(name) or "", blank_to_none(vendor) or ""
    if not name:
        raise InvalidValue("tool name is empty")
    if not vendor:
        raise InvalidValue(f"tool {name!r} needs a vendor (who makes it)")
    if runs is not None and runs not in TOOL_RUNS:
        raise InvalidValue(f"runs {runs!r}: use on-device or cloud")
    with store.write() as (session, history):
        clash = session.scalar(
            select(Tool).where(Tool.name == name, Tool.version.is_(version or None))
            if not version
            else select(Tool).where(Tool.name == name, Tool.version == version)
        )
        if clash is not None:
            raise InvalidValue(f"tool {convert.tool_label(clash)} is already registered")
        tool = Tool(
            name=name,
            vendor=vendor,
            version=version or None,
            runs=runs,
            training_data=training_data,
            retention=retention,
            documentation=documentation,
            created_at=now(),
        )
        session.add(tool)
        session.flush()
        view = convert.tool_view(tool)
        state = view.to_dict()
        state.pop("id")
        history.record(
            Change(entity="tool", entity_id=tool.id, item_id=None, action="create", after=state)
        )
    return view
