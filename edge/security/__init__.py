"""Security building blocks: TLS certificates, staff accounts, pairing codes,
and throttling of failed attempts. No Flask here except where noted, so the
CLI and the API share the same code paths."""
