#!/bin/sh
# TillEdge's command: the package keeps the app in its own virtualenv
# (built by postinst from /opt/tilledge/wheels), this puts it on PATH.
exec /opt/tilledge/venv/bin/tilledge "$@"
