"""Customer data in and out (BACKOFFICE §11): the export (XLSX, or a ZIP of
two CSV files from :data:`~edge.customers.io.export.ZIP_FROM` customers) and
the import with its dry run.

``columns`` is the one column list both sides share; ``source`` reads the
customers to export in keyset-paged batches; ``export`` writes the files;
``exports`` keeps them in ``<data_dir>/exports/`` for a while; ``reader``
reads CSV/XLSX files row by row; ``import_rows`` turns a row into a record
and applies it through the customer service. Imports ``edge.errors``,
``edge.platform`` and ``edge.customers``; never Flask.
"""
