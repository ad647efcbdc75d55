"""The served OpenAPI document is complete enough for an outside tool.

``openapi-python-client`` (a maintained generator, no network needed)
generates a typed client from the document a real ``tilledge serve`` process
serves; the README walk-through then runs through that client only: a new
customer and card, find the customer, top up, quote, check out by card,
refund part of it with the checkout's ``payment_id``, list the transactions.
Every answer is parsed into the generated models, so a member the document
lacks or types wrongly fails here. Where the generator cannot read the
document, the document is what to fix.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.live import add_terminal, free_tcp_port, serving, wait_healthy

GENERATOR = str(Path(sys.executable).with_name("openapi-python-client"))
PACKAGE = "tilledge_generated_client"
UID = "04A1B2C3D4E5F6"


def _generate(doc: Path, where: Path) -> None:
    config = where / "generator.json"
    # No post-hooks: they would run formatters on the generated code.
    # Invoice PDF and XML, the GDPR export's ZIP: bytes to this client (it knows no such types).
    binary = {
        "application/pdf": "application/octet-stream",
        "application/xml": "application/octet-stream",
        "application/zip": "application/octet-stream",
    }
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE,
                                  "content_type_overrides": binary}))  # fmt: skip
    out = subprocess.run(
        [GENERATOR, "generate", "--path", str(doc), "--meta", "none", "--config", str(config),
         "--output-path", str(where / PACKAGE), "--fail-on-warning"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, f"the generator refused the document:\n{out.stdout}{out.stderr}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Any]]:
    """(the generated package, an authenticated client) against one live box."""
    tmp_path = tmp_path_factory.mktemp("generated-client")
    port = free_tcp_port()
    config = tmp_path / "tilledge.toml"
    # The bonus tiers of docs/api.md's examples: 5 % from 20.00, 10 % from 50.00.
    config.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n[discovery]\nenabled = false\n'
        "[ledger]\ntopup_bonus = [{from = 0, rate_bp = 0}, {from = 2000, rate_bp = 500},"
        " {from = 5000, rate_bp = 1000}]\n"
        "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
        "[devices.display]\nenabled = false\n",
        encoding="utf-8",
    )
    token = add_terminal(config, "till-1")
    with serving(config, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        wait_healthy(port, timeout=30, interval=0.1)
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=10) as resp:
            (tmp_path / "openapi.json").write_bytes(resp.read())
        _generate(tmp_path / "openapi.json", tmp_path)
        sys.path.insert(0, str(tmp_path))
        try:
            pkg = importlib.import_module(PACKAGE)
            with pkg.AuthenticatedClient(base_url=url, token=token) as client:
                yield pkg, client
        finally:
            sys.path.remove(str(tmp_path))
            for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
                del sys.modules[name]


def _api(tag: str, operation: str) -> Any:
    """The generated ``sync`` function of one operation (module per operationId)."""
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}").sync


def _models() -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.models")


def _key() -> str:
    return str(uuid.uuid4())


def test_the_readme_walk_through_runs_through_a_generated_client(generated) -> None:  # type: ignore[no-untyped-def]
    _, client = generated
    m = _models()

    created = _api("customers", "create_customer")(
        client=client,
        body=m.CustomerCreate(first_name="Maria", last_name="Müller"),
        idempotency_key=_key(),
    )
    assert isinstance(created, m.Customer), created
    card = _api("cards", "add_card")(
        created.id, client=client, body=m.CardCreate(uid="04:a1:b2:c3:d4:e5:f6"),
        idempotency_key=_key(),
    )  # fmt: skip
    assert isinstance(card, m.CardOut) and card.uid == UID

    # Find the customer.
    page = _api("customers", "search_customers")(client=client, q="mül")
    assert isinstance(page, m.CustomerPage), page
    assert [hit.display_name for hit in page.items] == ["Maria Müller"]
    customer_id = page.items[0].id

    # Top up 50.00: the 10 % tier grants 5.00 bonus.
    topup = _api("money", "create_topup")(
        customer_id, client=client, body=m.TopupIn(amount=5000, receipt_no="T1-000100"),
        idempotency_key=_key(),
    )  # fmt: skip
    assert isinstance(topup, m.TopupOut), topup
    assert (topup.bonus_granted, topup.cash, topup.bonus, topup.currency) == (500, 5000, 500, "EUR")
    assert [e.kind for e in topup.entries] == ["topup", "bonus_grant"]

    # Quote, then check out the same basket by card: bonus first, then cash.
    def basket() -> Any:
        return m.BasketInByCardUid(
            card_uid=UID,
            receipt_no="T1-000124",
            lines=[
                m.LineIn(sku="4001", name="Latte", quantity="2", unit_price=380, vat_rate_bp=700),
                m.LineIn(sku="9001", name="Gutschein", unit_price=1000, discountable=False),
            ],
            tenders=[m.TenderIn(type_=m.TenderInType.CREDIT, amount=None)],
        )

    quote = _api("sales", "create_quote")(client=client, body=basket())
    assert isinstance(quote, m.Quote), quote
    assert (quote.customer_id, quote.subtotal, quote.total, quote.left_to_pay) == (
        customer_id, 1760, 1760, 0,
    )  # fmt: skip
    assert (quote.from_bonus, quote.from_cash, quote.points_earned) == (500, 1260, 17)
    assert {(v.rate_bp, v.gross, v.vat) for v in quote.vat} == {(0, 1000, 0), (700, 760, 50)}

    checkout = _api("sales", "create_checkout")(
        client=client, body=basket(), idempotency_key=_key()
    )
    assert isinstance(checkout, m.CheckoutOut), checkout
    assert (checkout.total, checkout.from_bonus, checkout.from_cash) == (1760, 500, 1260)
    assert (checkout.cash, checkout.bonus, checkout.points) == (3740, 0, 17)
    assert isinstance(checkout.payment_id, str)

    # Refund 5.00 of it with the checkout's payment_id: cash first, points back in proportion.
    refund = _api("money", "create_refund")(
        checkout.payment_id, client=client, body=m.RefundIn(amount=500), idempotency_key=_key()
    )
    assert isinstance(refund, m.RefundOut), refund
    assert (refund.payment_id, refund.to_cash, refund.to_bonus) == (checkout.payment_id, 500, 0)
    assert (refund.cash, refund.bonus) == (4240, 0)
    assert refund.points == 17 - refund.points_taken_back and refund.points_taken_back > 0

    # The journal, newest first.
    journal = _api("money", "transactions")(customer_id, client=client)
    assert isinstance(journal, m.TransactionPage), journal
    assert journal.total == len(journal.items) == 7 and journal.next_ is None
    assert [e.kind for e in journal.items] == [
        "points_clawback", "refund", "points_earned", "payment", "payment", "bonus_grant", "topup",
    ]  # fmt: skip
    assert journal.items[1].reverses is not None and journal.items[1].amount == 500
    assert journal.items[-1].cash_after == 5000


def test_the_generated_client_reads_problems_by_code(generated) -> None:  # type: ignore[no-untyped-def]
    _, client = generated
    m = _models()
    problem = _api("money", "create_payment")(
        "999999", client=client, body=m.PaymentIn(amount=100), idempotency_key=_key()
    )
    assert isinstance(problem, m.Problem), problem
    assert (problem.status, problem.code) == (404, "not_found")
