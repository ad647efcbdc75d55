"""One request to a Nominatim-compatible geocoder and what its answer means.

``GET {url}/search?format=jsonv2&limit=1&street=…&city=…&postalcode=…&country=…``
(Nominatim's structured query). The answer is classified, never raised:
``found`` with coordinates, ``not_found`` (an empty list), ``retry`` (5xx,
timeout, no connection: worth another try later), ``rate_limited`` (429, with
the Retry-After seconds) or ``failed`` (any other answer: asking again would
get the same). Standard library only: one GET needs no HTTP client package.
"""

from __future__ import annotations

import http.client
import json
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from edge.platform.clock import now

Kind = Literal["found", "not_found", "retry", "rate_limited", "failed"]
DEFAULT_RETRY_AFTER_S = 60.0


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    latitude: float | None = None
    longitude: float | None = None
    reason: str = ""
    retry_after_s: float = 0.0


def address_key(a: dict[str, Any]) -> str | None:
    """The normalised address the cache and the in-flight check go by
    (case, accents' composition and spacing ignored); None: nothing to look up."""
    parts = []
    for f in ("street", "house_number", "postal_code", "city", "country"):
        text = unicodedata.normalize("NFC", str(a.get(f) or ""))
        parts.append(" ".join(text.casefold().split()))
    if not (parts[0] or parts[2] or parts[3]):
        return None
    return "|".join(parts)


def query(a: dict[str, Any]) -> dict[str, str]:
    params = {"format": "jsonv2", "limit": "1", "addressdetails": "0"}
    street = " ".join(p for p in (a.get("house_number"), a.get("street")) if p)
    for name, value in (
        ("street", street),
        ("city", a.get("city")),
        ("postalcode", a.get("postal_code")),
        ("country", a.get("country")),
    ):
        if value:
            params[name] = str(value)
    return params


def retry_after(header: str | None) -> float:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not header:
        return DEFAULT_RETRY_AFTER_S
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(header) - now()).total_seconds())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S


def _parse(body: bytes) -> Outcome:
    try:
        hits = json.loads(body)
        if not hits:
            return Outcome("not_found")
        lat, lon = float(hits[0]["lat"]), float(hits[0]["lon"])
    except (ValueError, TypeError, KeyError, IndexError) as e:
        return Outcome("failed", reason=f"unreadable answer: {e}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Outcome("failed", reason=f"coordinates out of range: {lat}, {lon}")
    return Outcome("found", lat, lon)


def lookup(url: str, a: dict[str, Any], *, user_agent: str, timeout_s: float) -> Outcome:
    """Ask ``url``'s /search for address ``a`` once."""
    full = f"{url}/search?{urllib.parse.urlencode(query(a))}"
    req = urllib.request.Request(
        full, headers={"User-Agent": user_agent, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return _parse(resp.read(1_000_000))
    except urllib.error.HTTPError as e:
        if e.code == 429:
            return Outcome(
                "rate_limited",
                reason="429 Too Many Requests",
                retry_after_s=retry_after(e.headers.get("Retry-After")),
            )
        if e.code >= 500:
            return Outcome("retry", reason=f"HTTP {e.code}")
        return Outcome("failed", reason=f"HTTP {e.code}")
    except TimeoutError:
        return Outcome("retry", reason=f"no answer within {timeout_s:g}s")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError):
            return Outcome("retry", reason=f"no answer within {timeout_s:g}s")
        return Outcome("retry", reason=f"cannot reach the geocoder: {reason}")
