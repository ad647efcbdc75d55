"""Serving the box: the app factory, the HTTP server, API worker processes, the
money hand-off from workers to the primary and mDNS discovery. The top of the
stack: may import every other package."""
