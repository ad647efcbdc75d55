"""The demo box (``tilledge demo``): a config with simulated hardware, a
terminal token and a realistic customer base.

Built on the domain like any other user of it: :mod:`edge.demo.box` writes
the config and issues the token (``edge.security.tokens``),
:mod:`edge.demo.customers` generates customers, groups and cards (also the
benchmarks' fast path). May import ``edge.platform`` and the domain packages;
no Flask, nothing of the API, the panel or serving.
"""
