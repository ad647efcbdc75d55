"""The box itself: configuration, the SQLite database and its writer, migrations,
the event bus, retention and the demo data set. Imports only the standard library,
its own libraries and ``edge.ledger``; never the domain, the API or Flask."""
