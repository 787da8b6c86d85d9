"""`python -m patron` runs the CLI."""

from patron.cli import app

app()
