"""Invoices and reminders by e-mail (BACKOFFICE §8): with ``email_invoices``
an issued invoice is queued to ``invoice_email`` (else ``email``) in the
issuing transaction and delivered once, as a PDF carrying the e-invoice, to
a real SMTP server on loopback; its state shows on the invoice. Without the
switch, or without ``[mail]``, nothing is queued. Reminders follow the run."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from edge import mail
from edge.invoices import mailing, reminders
from edge.invoices.dunning import dunning_run
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.config import Config, load_config
from tests.edge.invoices.conftest import DUE, SELLER
from tests.support.fakes import wait_until
from tests.support.smtp import SmtpServer

LINES = [{"name": "Kaffee", "quantity": "2", "unit_price": 1190, "vat_rate_bp": 1900}]


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer()
    yield server
    server.close()


@pytest.fixture
def config(tmp_path, smtp) -> Config:
    return load_config(
        overrides={
            "box.data_dir": str(tmp_path / "data"),
            **SELLER,
            "mail.host": "127.0.0.1",
            "mail.port": smtp.port,
            "mail.security": "none",
            "mail.from_address": "kasse@lind.example",
            "mail.retry_initial_s": 0.05,
            "mail.retry_max_s": 0.2,
        },
        environ={},
    )


@pytest.fixture
def worker(box):
    w = mail.attach(box)
    yield w
    w.stop()


def issue(manager, cid):
    inv = manager.post("/invoices", {"customer_id": str(cid), "lines": LINES}).get_json()
    r = manager.post(f"/invoices/{inv['id']}/issue")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_an_issued_invoice_is_mailed_once_with_its_e_invoice(manager, house, box, smtp, worker):
    smtp.received.clear()
    cid = house(email="ida@example.org", invoice_email="buchhaltung@kern.example",
                email_invoices=1, last_name="Kern")  # fmt: skip
    inv = issue(manager, cid)
    (queued,) = inv["mail"]
    assert (queued["to"], queued["subject"]) == (
        "buchhaltung@kern.example",
        f"Rechnung {inv['number']}",
    )

    def state() -> str:
        return manager.get(f"/invoices/{inv['id']}").get_json()["mail"][0]["state"]

    wait_until(lambda: state() == "sent", timeout=15)
    (msg,) = smtp.received
    assert msg["To"] == "buchhaltung@kern.example"
    (part,) = list(msg.iter_attachments())
    pdf = part.get_content()
    assert part.get_filename() == f"{inv['number']}.pdf"
    assert pdf == manager.get(f"/invoices/{inv['id']}/pdf").data  # the stored PDF itself
    xml = PdfReader(BytesIO(pdf)).attachments["factur-x.xml"][0]
    assert xml == manager.get(f"/invoices/{inv['id']}/xml").data
    # Issuing again is refused, and nothing queues a second mail.
    assert manager.post(f"/invoices/{inv['id']}/issue").status_code == 409
    assert len(manager.get(f"/invoices/{inv['id']}").get_json()["mail"]) == 1


def test_without_the_switch_or_without_mail_nothing_is_queued(manager, house, box, config):
    inv = issue(manager, house(email="ida@example.org"))
    assert inv["mail"] == []
    bare = config.model_copy(update={"mail": config.mail.model_copy(update={"host": ""})})
    cid = house(email="ida@example.org", email_invoices=1)
    customer = box.db.reader().execute("SELECT * FROM customers WHERE id = ?", [cid]).fetchone()
    from edge.invoices import book

    doc = book.document_of(book.invoice_row(box.db.reader(), int(inv["id"])))
    assert mailing.wants_mail(bare, customer, doc) is False


def test_the_email_falls_back_to_the_customer_email(manager, house):
    inv = issue(manager, house(email="ida@example.org", email_invoices=1))
    assert inv["mail"][0]["to"] == "ida@example.org"


def test_a_credit_note_is_mailed_too(manager, house):
    inv = issue(manager, house(email="ida@example.org", email_invoices=1))
    note = manager.post(f"/invoices/{inv['id']}/cancel", {"reason": "Irrtum"}).get_json()
    assert note["mail"][0]["subject"] == f"Gutschrift {note['number']}"


def test_reminders_are_mailed_after_the_run_once_each(manager, house, box, issued):
    iid = issued(100000, email="ida@example.org", email_invoices=1)
    on = DUE + timedelta(days=box.config.dunning.level1_days)
    box.db.write(lambda c: dunning_run(c, box.config, Actor("t", now_iso()), on))
    assert reminders.queue_reminders(box.db, box.config) == 1
    assert reminders.queue_reminders(box.db, box.config) == 0  # idempotent: a crash-safe sweep
    subjects = [m["subject"] for m in manager.get(f"/invoices/{iid}").get_json()["mail"]]
    assert subjects[-1].startswith("1. Mahnung zu Rechnung ")
