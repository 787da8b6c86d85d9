"""The REST API (FastAPI): thin routes over the use cases; no business rules here."""
