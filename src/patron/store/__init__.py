"""Persistence: tables, repositories, the unit of work and Alembic migrations.

SQLite (one file, WAL) is the embedded default and PostgreSQL the production store; the
same tables and migrations serve both.
"""
