"""`patron serve` and `patron demo`: the REST API, and a synthetic customer base to try it.

uvicorn, FastAPI and the synthetic data generator are imported when these commands run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from patron.cli.common import DbOption, cli_actor, load_settings, open_patron, out, progress
from patron.domain.clock import utcnow

# the demo's program ships inside the package (a copy of examples/program.toml, kept
# identical by a test), so `patron demo` works wherever Patron is installed
DEFAULT_PROGRAM = Path(__file__).resolve().parents[1] / "examples" / "program.toml"
DEMO_OWNER = "owner@shop.example"  # the console's staff user that `patron demo` prints
DEMO_CUSTOMER = "customer@shop.example"  # a member who can log in to the portal
DEMO_KEY_NAME = "demo"  # the admin key `patron demo` prints; each run replaces it

if TYPE_CHECKING:
    from patron.bootstrap import UnitOfWork


def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    database_url: DbOption = None,
) -> None:
    """Serve the REST API (OpenAPI at /docs)."""
    import uvicorn

    from patron.api.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    url = database_url or settings.database_url
    with open_patron(database_url):  # a missing store is refused, never created here
        pass
    host, port = host or settings.host, port or settings.port
    out.print(f"Patron API at http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    if workers > 1:
        import os

        from patron.api.serving import metrics_directory, serve_workers

        os.environ["PATRON_DATABASE_URL"] = url
        with metrics_directory():
            serve_workers(
                "patron.api.asgi:create_app",
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                factory=True,
            )
    else:
        from patron.api.app import create_app
        from patron.bootstrap import Patron

        patron = Patron.from_url(url, pool_size=settings.pool_size)
        uvicorn.run(
            create_app(patron),
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=None,  # Patron's logging (api/logs.py), not uvicorn's
            access_log=False,  # Patron writes the access line, without address or path
        )


def demo(
    customers: Annotated[int, typer.Option(min=1, max=1_000_000)] = 5000,
    seed: Annotated[int, typer.Option()] = 42,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    reset: Annotated[bool, typer.Option(help="rebuild the demo data")] = False,
    port: Annotated[int | None, typer.Option()] = None,
    database_url: DbOption = None,
) -> None:
    """Fill the store with a synthetic customer base (two years) and serve the API."""
    from patron.services.commands import Expire
    from patron.services.expire import expire as run_expire
    from patron.services.importer import ImportOptions, import_purchases
    from patron.services.program import load_program
    from patron.services.queries import member_count
    from patron.synth import SynthParams, generate, write_csv

    url = database_url or load_settings().database_url
    if reset and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    with open_patron(url, create=True) as patron:
        populated = patron.read(member_count) > 0
        if populated:
            out.print("demo data already present (use --reset to rebuild)")
        else:
            patron.run(
                lambda uow, text: load_program(uow, text, str(DEFAULT_PROGRAM)),
                DEFAULT_PROGRAM.read_text(),
            )
            with tempfile.TemporaryDirectory() as tmp:
                csv_path = Path(tmp) / "demo.csv"
                rows = write_csv(csv_path, generate(SynthParams(customers=customers, seed=seed)))
                out.print(f"generated {customers} customers, {rows} purchase lines")
                with progress() as bar:
                    task = bar.add_task("scoring purchases", total=None)
                    import_purchases(
                        patron.new_uow,
                        csv_path,
                        ImportOptions(award_points=True, batch_size=500),
                        lambda d, t: bar.update(task, completed=d, total=t),
                    )
            run_expire(patron.new_uow, Expire(utcnow()))
        key, revoked = patron.run(_fresh_demo_key, cli_actor())
        owner_password = patron.run(_fresh_demo_owner, cli_actor())
        patron.run(_demo_customer, DEMO_CUSTOMER)
    if revoked:
        out.print(
            "the previous demo key was revoked"
            if revoked == 1
            else f"the {revoked} previous demo keys were revoked"
        )
    settings = load_settings()
    port = port or settings.port
    base = f"http://{settings.host}:{port}"
    example = f"{base}/v1/members/C000001/balance?by=external_id"  # quoted: a ? in the shell
    out.print(
        "\nTry it in a second terminal (this one serves the API until Ctrl+C):\n"
        f"  export KEY={key}\n"
        f'  curl -H "Authorization: Bearer $KEY" "{example}"\n'
        f"  the API's documentation: {base}/docs\n"
        f"  the console: {base}/console (log in as {DEMO_OWNER}, password {owner_password})\n"
        f"  the members' portal: {base}/ (ask a link for {DEMO_CUSTOMER}: the e-mail is"
        " written to ./mailbox)\n"
    )
    if serve_api:
        serve(host=None, port=port, workers=1, database_url=url)


def _demo_customer(uow: UnitOfWork, email: str) -> None:
    """A member with an e-mail, so that the portal's login can be tried on the demo (the
    synthetic customers have none): enrolled on the first run, with the welcome gift."""
    from patron.domain.errors import NotFound
    from patron.services.commands import Enroll, MemberRef
    from patron.services.enroll import enroll
    from patron.services.members import find_member

    try:
        find_member(uow, MemberRef(external_id="demo-customer"))
    except NotFound:
        enroll(uow, Enroll("demo-customer", email=email, name="Demo Customer"))


def _fresh_demo_owner(uow: UnitOfWork, actor: str) -> str:
    """A new password for the demo's owner (created on the first run), printed like the
    key: only its hash is stored, so each run sets and prints another (audited)."""
    from patron.services.staff import NewUser, create_user, list_users, set_password

    if all(user.email != DEMO_OWNER for user in list_users(uow)):
        created = create_user(uow, NewUser(DEMO_OWNER, "owner", "Demo owner"), actor)
    else:
        created = set_password(uow, DEMO_OWNER, None, actor)
    assert created.password is not None
    return created.password


def _fresh_demo_key(uow: UnitOfWork, actor: str) -> tuple[str, int]:
    """A new admin key named "demo", and how many earlier ones it replaced.

    Only the hashes of keys are stored, so a second run cannot print the key the first
    printed; it issues another. The earlier demo keys are revoked in the same
    transaction (audited as any revocation), so repeated `make run`s leave one working
    admin key behind, not one more each time.
    """
    from patron.services.apikeys import create_key, list_keys, revoke_key

    earlier = [
        k.prefix
        for k in list_keys(uow)
        if k.name == DEMO_KEY_NAME and k.scope == "admin" and k.revoked_at is None
    ]
    for prefix in earlier:
        revoke_key(uow, prefix, actor)
    return create_key(uow, "admin", DEMO_KEY_NAME, actor), len(earlier)
