"""The domain's one error family: what customers, money, devices and security
refuse, as a stable ``code``, a sentence (``detail``), field-level ``errors``
and the numbers a till shows (``numbers``, also readable as attributes).

There is no HTTP here: the API gives every code its status in one table
(``edge.api.problems.STATUS``); the panel and the CLI show the sentence.
A caller that must tell kinds apart catches a subclass (``NotFound``,
``CardBlocked`` …); the money core's refusals are subclasses too
(``edge.ledger.errors``). Imports nothing of the project.
"""

from __future__ import annotations

from typing import Any

FieldProblem = dict[str, str]  # {"field": …, "message": …}


class DomainError(Exception):
    """A refusal: ``DomainError(code, detail, **numbers)``; nothing was written."""

    code: str

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        errors: list[FieldProblem] | None = None,
        **numbers: Any,
    ) -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.errors: list[FieldProblem] = list(errors or [])
        self.numbers: dict[str, Any] = numbers

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the numbers read as attributes
        # (``err.remaining``). Read through __dict__, which unpickling fills late.
        numbers = self.__dict__.get("numbers", {})
        if name in numbers:
            return numbers[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other constructor arguments (the Rust core calls
        # ``Cls(message, **details)``): rebuild from the state, not the args.
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[DomainError], state: dict[str, Any]) -> DomainError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("detail") or state.get("code", ""))
    err.__dict__.update(state)
    return err


class CodedError(DomainError):
    """A kind whose class fixes the code: ``Kind(detail, **numbers)``."""

    def __init__(
        self, detail: str = "", *, errors: list[FieldProblem] | None = None, **numbers: Any
    ) -> None:
        super().__init__(type(self).code, detail, errors=errors, **numbers)


class NotFound(CodedError):
    """The thing named (customer, card, group, operation) does not exist."""

    code = "not_found"


class Conflict(CodedError):
    """The request is fine but the state forbids it (taken, already done, changed)."""

    code = "conflict"


class DuplicateCustomer(Conflict):
    """Active customers look the same; ``candidates`` lists them."""

    code = "duplicate_customer"
    candidates: list[dict[str, Any]]


class CustomerBlocked(Conflict):
    """Money operations are refused for a blocked customer; ``lock_text`` says why."""

    code = "customer_blocked"
    lock_text: str


class CustomerInactive(Conflict):
    """The customer is deactivated (or merged into another)."""

    code = "customer_inactive"


class ErasureRefused(Conflict):
    """GDPR erasure refused while something is owed either way; ``reasons``
    lists each (``code``, ``detail`` and its numbers): settle them first."""

    code = "erasure_refused"
    reasons: list[dict[str, Any]]


class CardBlocked(Conflict):
    """A blocked or lost card; ``card_status`` says which. It identifies nobody."""

    code = "card_blocked"
    card_status: str


class Unavailable(CodedError):
    """The outcome could not be confirmed; resending with the same key is safe."""

    code = "unavailable"


class StorageFull(CodedError):
    """The box's disk is full: the write was rolled back whole (its
    Idempotency-Key with it), so the same request may be sent again once
    space is freed."""

    code = "storage_full"


class FieldErrors(DomainError):
    """Field-level problems collected from one request, reported together:
    ``validation_error``, or ``conflict`` for values already taken."""

    def __init__(
        self,
        errors: list[FieldProblem],
        detail: str = "",
        *,
        code: str = "validation_error",
        **numbers: Any,
    ) -> None:
        detail = detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        super().__init__(code, detail, errors=errors, **numbers)

    @classmethod
    def one(cls, field: str, message: str, detail: str = "") -> FieldErrors:
        """A single field's problem (``detail`` defaults to ``field: message``)."""
        return cls([{"field": field, "message": message}], detail)
