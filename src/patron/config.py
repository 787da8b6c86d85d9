"""Settings, read from the environment (PATRON_*) only when asked for, never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATRON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///patron.db"
    host: str = "127.0.0.1"
    port: int = 8000
    idempotency_hours: int = 24
    pool_size: int = 10
    spark_master: str = "local[2]"  # PATRON_SPARK_MASTER: `--engine spark` runs here
    # The API's edge (api/guard.py, docs/api.md "Limits"); each worker process counts alone.
    max_body_bytes: int = Field(1_048_576, ge=1024)  # a larger body: 413, unread
    key_rate_limit: float = Field(100.0, ge=0)  # requests a second per API key; 0: no limit
    key_rate_burst: int = Field(200, ge=1)  # requests a key may send at once after a pause
    auth_failure_limit: int = Field(20, ge=0)  # failed keys a minute per address; 0: no limit
    # `patron serve`: one JSON object per log line, or plain text (docs/operations.md)
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # when set, GET /metrics asks for `Authorization: Bearer <token>`
    metrics_token: str | None = None
    # How long a worker remembers a key it authenticated: a revoked key may work that much
    # longer there (docs/api.md "Authentication and scopes"); 0: a lookup every request.
    key_cache_seconds: float = Field(30.0, ge=0, le=3600)
    # the web pages' language and formats: numbers, money and dates as this locale writes
    # them (Babel), text in its language where Patron has a catalog (en, ro), else English
    locale: str = Field("en", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    # How long a console page waits for figures of data that changed since they were
    # computed before it shows the held ones, saying when they were computed
    # (analytics/held.py); `inf`: always wait for the figures of the data as it is.
    figures_wait: float = Field(0.25, ge=0)
    # E-mail (docs/portal.md, engage/channels/mail.py): over SMTP when a server is named,
    # as smtp://user:password@host:587?starttls=true or smtps://user:password@host:465;
    # unset (the demo), each message is logged and kept as an .eml file in `mailbox`
    smtp_url: SecretStr | None = None
    smtp_timeout: float = Field(10.0, gt=0, le=300)  # seconds for each step of a send
    mail_from: str = "Patron <no-reply@localhost>"
    mailbox: Path = Path("mailbox")
    # The address members reach the server at, as https://loyalty.shop.example: the links
    # in e-mails start with it. Unset, a link names the address the request came to,
    # which is trusted from a loopback address only (docs/portal.md).
    public_url: str | None = None
    # Where a detractor's survey answer is mailed (docs/surveys.md): the account manager's
    # address, as PATRON_SURVEY_ALERT_EMAIL=care@shop.example; unset, only the outbox event
    # `survey.detractor` tells (webhooks)
    survey_alert_email: str | None = None
    # Messages (docs/messages.md): marketing e-mail may leave from its own address (unset:
    # `mail_from`); a one-click unsubscribe may also be offered by mail to this address
    mail_from_marketing: str | None = None
    unsubscribe_mailto: str | None = None
    # SMS and push through a provider's HTTP API (engage/channels/text.py): a JSON POST
    # to the URL with `Authorization: Bearer <token>`; unset, that channel does not send
    sms_url: str | None = None
    sms_token: SecretStr | None = None
    push_url: str | None = None
    push_token: SecretStr | None = None
    text_timeout: float = Field(10.0, gt=0, le=300)

    @field_validator("public_url")
    @classmethod
    def _https_outside_loopback(cls, value: str | None) -> str | None:
        """The links in e-mails (login, unsubscribe) start with it: anything but a
        loopback address must be https, or the tokens travel in clear."""
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"PATRON_PUBLIC_URL: {value!r} is not an http(s) address")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise ValueError(
                f"PATRON_PUBLIC_URL: {value!r} must be https:// (http only for localhost)"
            )
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
