"""TillEdge hardware layer: NFC readers, customer display, receipt printer.

Nothing in here imports Flask or ``edge``: the service wires these drivers to
its event bus through plain callbacks, so every driver can be tested (and run)
on its own against a real transport or a simulated one.
"""
