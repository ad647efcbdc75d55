"""Delivery addresses per customer (BACKOFFICE §11): label, postal address,
geodata, one default.

- :mod:`.fields` — the request and answer models (API and panel);
- :mod:`.store` — create, change, delete, make default, read; history entries;
- :mod:`.geocoder` — one Nominatim ``/search`` request, its outcome classified;
- :mod:`.worker` — the background thread that geocodes pending addresses
  after their save (1 request/s for the box, cached, backoff, 429 honoured).
"""
