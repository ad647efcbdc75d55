from __future__ import annotations

from .conftest import field_errors


def test_create_get_search(pos, mk):
    r = pos.post("/customers", json={"first_name": "Thomas", "last_name": "Müller",
                                      "phone": "089 1234567", "email": "Thomas@Example.com"})
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert c["phone"] == "+49891234567"
    assert c["customer_number"] == 10000
    got = pos.get(f"/customers/{c['id']}").get_json()
    assert got == c
    for q in ["089 1234567", "1234567", "mül", "thomas m", "muller", "10000", "thomas@"]:
        page = pos.get("/customers", query_string={"q": q}).get_json()
        assert [i["id"] for i in page["items"]] == [c["id"]], (q, page)
    r = pos.post("/customers", json={"last_name": "X", "phone": "+49 89 1234567"})
    assert r.status_code == 409
    assert r.get_json()["candidates"][0]["id"] == c["id"]
    r = pos.post("/customers", json={"last_name": "X", "email": "bad", "discount_percent": 12.5})
    assert r.status_code == 422
    print(field_errors(r))
