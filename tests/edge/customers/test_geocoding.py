"""The geocoding worker against a stand-in Nominatim on loopback
(tests/support/geocoder.py): the save never waits, 1 request/s, the cache,
retries and giving up, 429 + Retry-After, and the manual pin that wins."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask

from edge import create_app
from edge.customers.delivery import worker as geo
from edge.platform.config import load_config
from tests.conftest import ApiClient
from tests.support.fakes import wait_until
from tests.support.geocoder import Geocoder, coordinates

ADDRESS = {"label": "Home", "street": "Hauptstraße", "house_number": "5a",
           "postal_code": "80331", "city": "München", "country": "DE"}  # fmt: skip


class Box:
    """A box whose [geocoding] url is the stand-in, its worker running."""

    def __init__(self, app: Flask, pos: ApiClient) -> None:
        self.app, self.pos = app, pos
        self.box = app.extensions["tilledge"]
        worker = geo.attach(self.box)
        assert worker is not None
        self.worker = worker
        r = pos.post("/customers?allow_duplicate=true", {"last_name": "Muster"})
        self.cid = r.get_json()["id"]

    def add(self, **fields: Any) -> dict[str, Any]:
        r = self.pos.post(f"/customers/{self.cid}/addresses", {**ADDRESS, **fields})
        assert r.status_code == 201, r.get_json()
        return r.get_json()  # type: ignore[no-any-return]

    def get(self, address_id: str) -> dict[str, Any]:
        return self.pos.get(f"/customers/{self.cid}/addresses/{address_id}").get_json()  # type: ignore[no-any-return]

    def settled(self, address_id: str, timeout: float = 15.0) -> dict[str, Any]:
        return wait_until(  # type: ignore[no-any-return]
            lambda: (a := self.get(address_id))["geo_state"] != "pending" and a, timeout
        )


@pytest.fixture
def boxed(tmp_path, make_token_for) -> Iterator[Any]:
    """``boxed(geocoder, **geocoding_keys)`` → a :class:`Box`."""
    apps: list[Flask] = []

    def make(stand_in: Geocoder, **keys: Any) -> Box:
        overrides = {"box.data_dir": str(tmp_path / f"data{len(apps)}"),
                     "geocoding.url": stand_in.url, "geocoding.user_agent": "TillEdge-test/1",
                     **{f"geocoding.{k}": v for k, v in keys.items()}}  # fmt: skip
        app = create_app(load_config(overrides=overrides, environ={}))
        apps.append(app)
        return Box(app, make_token_for(app))

    yield make
    for app in apps:
        app.extensions["tilledge"].close()


@pytest.fixture
def make_token_for():  # type: ignore[no-untyped-def]
    from edge.security.tokens import issue_token

    def make(app: Flask) -> ApiClient:
        db = app.extensions["tilledge"].db
        info = db.write(lambda conn: issue_token(conn, "till-1", ["pos"]))
        return ApiClient(app.test_client(), str(info["token"]))

    return make


def test_the_save_answers_before_the_geocoder_does(boxed):
    with Geocoder("gated") as g:
        b = boxed(g)
        a = b.add()
        assert a["geo_state"] == "pending"  # answered …
        wait_until(lambda: g.requests)  # … while the request is in flight
        assert g.answered == 0
        g.release()
        done = b.settled(a["id"])
    assert (done["geo_state"], done["geo_source"]) == ("found", "geocoder")
    assert (done["latitude"], done["longitude"]) == pytest.approx(coordinates("80331"))
    assert done["geocoded_at"] is not None
    params, agent = g.requests[0]["params"], g.requests[0]["agent"]
    assert g.requests[0]["path"] == "/search" and agent == "TillEdge-test/1"
    assert params == {"format": "jsonv2", "limit": "1", "addressdetails": "0",
                      "street": "5a Hauptstraße", "city": "München",
                      "postalcode": "80331", "country": "DE"}  # fmt: skip


def test_at_most_one_request_per_second(boxed):
    with Geocoder() as g:
        b = boxed(g)
        ids = [b.add(postal_code=pc)["id"] for pc in ("10115", "20095", "50667")]
        found = [b.settled(i) for i in ids]
    assert [a["geo_state"] for a in found] == ["found"] * 3
    assert len(g.arrivals) == 3
    assert all(later - earlier >= 1.0 for earlier, later in pairwise(g.arrivals))


def test_the_cache_answers_a_known_address_without_a_request(boxed):
    with Geocoder() as g:
        b = boxed(g)
        first = b.settled(b.add()["id"])
        # The same address typed differently is the same key.
        again = b.settled(b.add(label="Again", street="  hauptstraße ", city="MÜNCHEN")["id"])
    assert len(g.requests) == 1
    assert b.worker.requests == 1
    assert (again["latitude"], again["longitude"]) == (first["latitude"], first["longitude"])


def test_nothing_found_is_a_state_and_is_cached(boxed):
    with Geocoder() as g:
        b = boxed(g)
        a = b.settled(b.add(postal_code="00000")["id"])
        b.settled(b.add(label="Twice", postal_code="00000")["id"])
    assert (a["geo_state"], a["latitude"]) == ("not_found", None)
    assert len(g.requests) == 1


def test_a_failing_service_is_retried_then_given_up_visibly(boxed):
    with Geocoder("failing") as g:
        b = boxed(g, retry_initial_s=0.1, max_attempts=3)
        a = b.settled(b.add()["id"])
    assert a["geo_state"] == "failed"
    assert a["geo_attempts"] == 3
    assert a["geo_error"] == "gave up after 3 tries: HTTP 500"
    assert len(g.requests) == 3


def test_a_slow_service_times_out_and_is_retried(boxed):
    with Geocoder("slow", delay_s=1.5) as g:
        b = boxed(g, timeout_s=0.3, retry_initial_s=0.1, max_attempts=2)
        a = b.settled(b.add()["id"])
    assert a["geo_state"] == "failed"
    assert a["geo_error"] == "gave up after 2 tries: no answer within 0.3s"


def test_429_pauses_for_retry_after_and_is_not_a_try(boxed):
    with Geocoder("rate-limited", retry_after=2, limited=1) as g:
        b = boxed(g, max_attempts=1)
        a = b.settled(b.add()["id"])
    assert a["geo_state"] == "found"
    assert a["geo_attempts"] == 0  # one allowed try, and the 429 did not use it
    first, second = g.arrivals
    assert second - first >= 2.0


def test_a_pin_set_while_the_request_is_in_flight_wins(boxed):
    with Geocoder("gated") as g:
        b = boxed(g)
        a = b.add()
        wait_until(lambda: g.requests)
        r = b.pos.patch(f"/customers/{b.cid}/addresses/{a['id']}",
                        {"latitude": 52.52, "longitude": 13.405})  # fmt: skip
        assert r.get_json()["geo_source"] == "manual"
        g.release()
        wait_until(lambda: b.worker.handled == 1)
        after = b.get(a["id"])
    assert (after["geo_source"], after["geo_state"]) == ("manual", "manual")
    assert (after["latitude"], after["longitude"]) == (52.52, 13.405)


def test_a_pin_is_never_looked_up(boxed):
    with Geocoder() as g:
        b = boxed(g)
        a = b.add(latitude=48.0, longitude=11.0)
        b.add(label="Other", postal_code="10115")  # the worker is demonstrably running
        wait_until(lambda: b.worker.handled >= 1)
        b.pos.patch(f"/customers/{b.cid}/addresses/{a['id']}", {"city": "Freising"})
        assert b.get(a["id"])["geo_state"] == "manual"
    assert [r["params"]["postalcode"] for r in g.requests] == ["10115"]
