"""Settings, read from the environment (PATRON_*) only when asked for, never at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATRON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///patron.db"
    host: str = "127.0.0.1"
    port: int = 8000
    idempotency_hours: int = 24
    pool_size: int = 10
    spark_master: str = "local[2]"  # PATRON_SPARK_MASTER: `--engine spark` runs here
    # `patron serve`: one JSON object per log line, or plain text (docs/operations.md)
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # when set, GET /metrics asks for `Authorization: Bearer <token>`
    metrics_token: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
