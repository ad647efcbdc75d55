"""GDPR for one person (BACKOFFICE §11): the Art. 15/20 export of everything
stored about a customer (:mod:`.export`) and the Art. 17 erasure
(:mod:`.erasure`). Both walk the same list of data areas
(:mod:`.sections`), so a new table about customers is one more section.
Imports ``edge.errors``, ``edge.platform`` and ``edge.customers``; reads the
invoice, subscription and mail tables by SQL (not their packages: those
import ``edge.customers``)."""
