"""Every data area of a customer in export order: the core sections, then
documents, delivery addresses and SEPA (:mod:`.later_sections`)."""

from __future__ import annotations

import sqlite3

from edge.customers.gdpr.later_sections import LATER_SECTIONS
from edge.customers.gdpr.sections import SECTIONS, Section, has_table

ALL: tuple[Section, ...] = (*SECTIONS, *LATER_SECTIONS)


def available(conn: sqlite3.Connection) -> list[Section]:
    """The areas this database has tables for."""
    return [s for s in ALL if has_table(conn, s.table)]
