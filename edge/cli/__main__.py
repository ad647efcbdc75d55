"""``python -m edge.cli``: how the service starts its API workers."""

from . import main

main()
