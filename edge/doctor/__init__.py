"""The box checked as a whole (``tilledge doctor``, the panel's box page).

:mod:`edge.doctor.checks` holds the checks and their report;
:mod:`edge.doctor.background` runs them every few minutes inside the service,
off the tills' request path, for the panel. A domain package: it reads the
platform (files, disk, clock, database, backups), the ledger, the certificate
(``edge.security``) and the mail outbox (``edge.mail``); the checks that need
the server or the CLI's device probes are passed in by those layers.
"""

from edge.doctor.checks import EXIT, Check, Finding, Report, Status, examine, examine_config

__all__ = ["EXIT", "Check", "Finding", "Report", "Status", "examine", "examine_config"]
