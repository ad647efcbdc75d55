"""Example answers for the OpenAPI document, where the response model lives
outside ``edge.api`` (the customer, card and group models of
``edge.customers.fields``) or carries none.

Routes pass them as ``example=``; they follow docs/api.md, and
``tests/edge/api/test_openapi_document.py`` validates each against its
schema. Imports nothing.
"""

from __future__ import annotations

from typing import Any

AT = "2026-12-03T12:16:23.599799Z"
GROUP: dict[str, Any] = {
    "id": "1",
    "name": "Stammkunden",
    "default_discount_percent": 5,
    "color": "#1E88E5",
    "sort_order": 1,
}
CARD: dict[str, Any] = {
    "uid": "04A1B2C3D4E5F6",
    "status": "active",
    "deposit_paid": True,
    "created_at": AT,
}
CUSTOMER: dict[str, Any] = {
    "id": "1",
    "customer_number": 10000,
    "type": "individual",
    "first_name": "Maria",
    "last_name": "Müller",
    "display_name": "Maria Müller",
    "email": "Maria@example.com",
    "phone": "+49891234567",
    "group_id": "1",
    "status": "active",
    "group": GROUP,
    "effective_discount_percent": 5,
    "reverse_charge": False,
    "age_alert": False,
    "cash": 5000,
    "bonus": 500,
    "points": 0,
    "open_amount": 0,
    "credit_available": None,
    "currency": "EUR",
    "cards": [CARD],
    "merged_into": None,
    "last_visit": None,
    "created_at": AT,
    "created_by": "terminal:1 till-1",
    "updated_at": AT,
    "updated_by": "terminal:1 till-1",
}
CUSTOMER_PAGE: dict[str, Any] = {
    "items": [
        {
            "id": "1",
            "customer_number": 10000,
            "type": "individual",
            "display_name": "Maria Müller",
            "first_name": "Maria",
            "last_name": "Müller",
            "company_name": None,
            "email": "Maria@example.com",
            "phone": "+49891234567",
            "mobile": None,
            "city": None,
            "status": "active",
            "blocked": False,
            "group_id": "1",
            "matched": "name",
        }
    ],
    "total": 1,
    "total_exact": True,
    "next": None,
}
HISTORY_PAGE: dict[str, Any] = {
    "items": [
        {
            "id": "3",
            "at": AT,
            "actor": "terminal:1 till-1",
            "field": "discount_percent",
            "old": None,
            "new": 10,
        }
    ],
    "total": 3,
    "next": "2",
}
MERGE: dict[str, Any] = {
    "target_id": "1",
    "source_id": "2",
    "moved": {"cards": 0, "history": 1, "purchases": 0, "cash": 0, "bonus": 0, "points": 0},
    "filled_fields": ["company_name", "vat_id"],
    "customer": CUSTOMER,
}
PURGE: dict[str, Any] = {"dry_run": True, "count": 2, "deleted": 0}
TAP: dict[str, Any] = {
    "uid": "04A1B2C3D4E5F6",
    "card": CARD,
    "customer": {
        "id": "1",
        "customer_number": 10000,
        "number": 10000,
        "display_name": "Maria Müller",
        "type": "individual",
        "status": "active",
        "cash": 5000,
        "bonus": 500,
        "points": 0,
        "currency": "EUR",
        "effective_discount_percent": 5,
        "blocked": False,
        "lock_text": None,
        "age_alert": False,
        "points_blocked": False,
        "group": GROUP,
        "has_default_delivery_address": True,
        "default_delivery_address": "Home",
    },
}
ADDRESS: dict[str, Any] = {
    "id": "1",
    "customer_id": "1",
    "label": "Home",
    "street": "Hauptstraße",
    "house_number": "5a",
    "postal_code": "80331",
    "city": "München",
    "country": "DE",
    "latitude": 48.1374,
    "longitude": 11.5755,
    "geo_source": "geocoder",
    "geo_state": "found",
    "geo_attempts": 0,
    "geo_error": None,
    "geocoded_at": AT,
    "is_default": True,
    "created_at": AT,
    "created_by": "terminal:1 till-1",
    "updated_at": AT,
    "updated_by": "terminal:1 till-1",
}
ADDRESS_PAGE: dict[str, Any] = {"items": [ADDRESS], "total": 1}
GROUP_PAGE: dict[str, Any] = {"items": [GROUP], "total": 1, "next": None}
DISPLAY: dict[str, Any] = {
    "state": "ok",
    "lines": ["Willkommen", "Maria Müller"],
    "text": ["Willkommen          ", "Maria Müller        "],
    "columns": 20,
    "rows": 2,
}
RECEIPT_JOB: dict[str, Any] = {
    "job_id": "2",
    "kind": "text",
    "source_id": None,
    "state": "queued",
    "attempts": 0,
    "reason": None,
    "last_error": None,
    "created_at": AT,
    "updated_at": AT,
    "printed_at": None,
}
DEVICES: dict[str, Any] = {
    "summary": {"nfc": "ok", "printer": "ok", "display": "ok"},
    "nfc": {
        "enabled": True,
        "readers": [
            {
                "name": "till-1",
                "uri": "udp:127.0.0.1:54321",
                "terminal": "T1",
                "state": "ok",
                "detail": "listening",
                "card_present": False,
            }
        ],
    },
    "printer": {
        "uri": "sim:receipts",
        "state": "ok",
        "raw_state": "ok",
        "reason": None,
        "queued": 0,
    },
    "display": {"uri": "sim:", "protocol": "epson", "state": "ok", "text": DISPLAY["text"]},
}
HEALTH: dict[str, Any] = {
    "status": "ok",
    "version": "0.1.0",
    "db": "ok",
    "devices": {"nfc": "ok", "printer": "ok", "display": "ok"},
    "mail": {"configured": True, "queued": 1, "failed": 0, "uncertain": 0, "oldest_queued_s": 42},
    "box_id": "5f08448abd9be3ee",
    "name": "Café Nord",
    "uptime_s": 3600,
    "tls_sha256": "a351005d8adf3d0933b19b6b114f9e329716d3dc206c69fb659e8165371c2d06",
}
PAIRED: dict[str, Any] = {
    "id": "3",
    "name": "till-2",
    "scopes": ["pos"],
    "token": "te_Eku5Vhwjpa7o2_ipJQ8qBRTMoFGDyxL6Mx8Qe-Jfo3o",
    "box_id": "5f08448abd9be3ee",
    "tls_sha256": HEALTH["tls_sha256"],
}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "TillEdge POS API", "version": "0.1.0"},
    "paths": {},
}
EVENTS = (
    "retry: 1000\n: connected\n\n"
    "id: 1796300183199571\nevent: receipt.status\n"
    'data: {"job_id":"1","state":"printed","kind":"checkout"}\n\n'
)
