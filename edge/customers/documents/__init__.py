"""Documents per customer (BACKOFFICE §11): PDF, DOCX, ODT, JPEG and PNG up
to 5 MiB, the type decided from the content (:mod:`.kinds`), the bytes stored
once per SHA-256 under ``<data_dir>/documents/`` (:mod:`.blobs`), a row per
customer and document with its history (:mod:`.records`), and a PNG preview
of images and a PDF's first page (:mod:`.previews`).

A deleted document is a soft delete in the database (the row keeps title,
file name, size, type and hash; the history says who and when); its bytes
are removed once no live row references them. Customer documents are not
records the law makes the shop keep (invoices and the journal live in the
database), so nothing holds a deleted file back.
"""
