"""Service refusals (domain errors) as sentences a cashier understands.

The sentences are catalog entries ``problem_<code>`` (and
``problem_limit_<limit>`` for a configured limit with its maximum).
"""

from __future__ import annotations

from edge.errors import DomainError
from web.i18n import has, t


def text(err: DomainError) -> str:
    from web.panel import money  # the box's currency, the user's locale

    limit_key = f"problem_limit_{err.numbers.get('limit')}"
    if err.code == "limit_exceeded" and has(limit_key):
        return t(limit_key, maximum=money(int(err.numbers.get("maximum", 0))))
    key = f"problem_{err.code}"
    if not has(key):
        return err.detail or str(err)
    return t(key, detail=err.detail, lock_text=err.numbers.get("lock_text", ""))
