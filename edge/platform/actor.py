"""Who does something and when: the actor every write records (no imports
of the project; the domain packages and the API share it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The terminal or staff member behind an operation, and its timestamp."""

    # "terminal:ID NAME" (the id is what is unique; names can be alike in
    # old journals) or "user:NAME" for staff in the panel.
    name: str
    at: str  # RFC 3339 UTC, the operation's timestamp
