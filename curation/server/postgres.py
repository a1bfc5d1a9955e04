"""A PostgreSQL cluster of the workspace's own for Label Studio: `curation server start --postgres`.

SQLite takes one writer at a time; a team annotating at once wants a database
server. The cluster is made with the system's PostgreSQL programs (Debian's
`postgresql` package) and belongs to this workspace alone: it listens on
127.0.0.1 only (no Unix socket), admits one role with a random password
(scram-sha-256), and that password lives with the other secrets, in
`.curation/postgres.json` (0600). Label Studio gets it through its environment
(its own DJANGO_DB=default and POSTGRE_* settings), never a command line.

PostgreSQL refuses to run as root. Run by root, the cluster belongs to the
unprivileged `postgres` system user and lives in that user's home
(/var/lib/postgresql/curation/<random id>/, beside Debian's own clusters),
because a server running as another user cannot reach into the owner-only
`.curation/`. Run by anyone else, it lives in `.curation/postgres/` and runs as them.
A root-run cluster records which workspace's settings it belongs to (`workspace` in its
folder), so `curation server prune` can stop and delete those whose workspace was deleted.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, SecretStr

from curation.errors import CurationError
from curation.private import DIR_MODE, open_private
from curation.server.credentials import read_secret, write_secret
from curation.server.errors import ServerError
from curation.server.locking import file_lock
from curation.server.ports import free_port, port_free
from curation.workspace import Workspace

BIN_VAR = "CURATION_POSTGRES_BIN"  # a folder holding initdb, pg_ctl and createdb
SYSTEM_USER = "postgres"
OWNER_FILE = "workspace"  # in a root-run cluster's folder: the path of the workspace's postgres.json
PRUNE_LOCK = "prune.lock"  # in system_folder(): one prune at a time
ROLE = DATABASE = "labelstudio"
START_TIMEOUT = 120


class Cluster(BaseModel):
    """`.curation/postgres.json`: where the cluster is, who runs it, and the role's password."""

    data_dir: Path
    port: int
    os_user: str | None = None  # None: whoever runs curation
    password: SecretStr

    @property
    def home(self) -> Path:
        """The folder around the data directory: the server's log, and nothing of anyone else's."""
        return self.data_dir.parent

    @property
    def log_path(self) -> Path:
        return self.home / "postgresql.log"

    @classmethod
    def found(cls, home: Path) -> Cluster:
        """A root-run cluster found on disk without its settings: enough to stop and delete it, not to log in."""
        return cls(data_dir=home / "data", port=0, os_user=SYSTEM_USER, password=SecretStr(""))


class Pruned(BaseModel):
    """One root-run cluster `prune` looked at: deleted (or would be, with --dry-run) or kept, and why."""

    path: Path
    workspace: Path | None
    removed: bool
    reason: str
    megabytes: float


def settings_path(ws: Workspace) -> Path:
    return ws.dir / "postgres.json"


def load(ws: Workspace) -> Cluster | None:
    """The workspace's cluster, or None when its Label Studio keeps its data in SQLite."""
    return read_secret(settings_path(ws), Cluster, "PostgreSQL settings")


def create(ws: Workspace) -> Cluster:
    """Settings for a new cluster (a free port, a random password), written before the cluster is made."""
    if os.geteuid() == 0:
        cluster = Cluster(data_dir=system_folder() / secrets.token_hex(8) / "data", port=free_port(),
                          os_user=SYSTEM_USER, password=SecretStr(secrets.token_urlsafe(24)))
    else:
        cluster = Cluster(data_dir=ws.dir / "postgres" / "data", port=free_port(),
                          password=SecretStr(secrets.token_urlsafe(24)))
    write_secret(settings_path(ws), {**cluster.model_dump(mode="json"), "password": cluster.password.get_secret_value()})
    if cluster.os_user:  # the settings first: a cluster whose owner file exists always has an owner on disk
        _private_folder(cluster, cluster.home.parent)
        _private_folder(cluster, cluster.home)
        _write_owned(cluster, cluster.home / OWNER_FILE, str(settings_path(ws).resolve()), mode="w")
    return cluster


def system_folder() -> Path:
    """Where root-run clusters live: a folder in the `postgres` user's home."""
    try:
        return Path(pwd.getpwnam(SYSTEM_USER).pw_dir) / "curation"
    except KeyError:
        raise ServerError(f"PostgreSQL does not run as root and there is no {SYSTEM_USER!r} user to run it; "
                          "install Debian's postgresql package (it makes one), or run curation as another user"
                          ) from None


def prune(dry_run: bool = False) -> list[Pruned]:
    """Stop and delete the root-run clusters whose workspace is gone (its settings no longer name them).

    A cluster is kept whenever that cannot be told for sure: no owner file (made before curation wrote
    one), or an owner whose settings exist but cannot be read. Deleting a workspace cannot delete these
    itself (they live outside it), and nothing else would ever reclaim them.
    """
    if os.geteuid() != 0:
        return []  # clusters then live inside their workspace and go with it
    try:
        folder = system_folder()
    except ServerError:
        return []
    if not folder.is_dir():
        return []
    with file_lock(folder / PRUNE_LOCK, what="curation server prune"):  # a second prune waits, then finds it gone
        return [_prune_one(home, dry_run) for home in sorted(path for path in folder.iterdir() if path.is_dir())]


def _prune_one(home: Path, dry_run: bool) -> Pruned:
    size = sum(path.stat().st_size for path in home.rglob("*") if path.is_file() and not path.is_symlink())
    try:
        owner = Path((home / OWNER_FILE).read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return Pruned(path=home, workspace=None, removed=False, megabytes=size / 1e6,
                      reason="no owner recorded (made before curation recorded owners); delete it by hand if unused")
    except (OSError, UnicodeDecodeError) as exc:
        return Pruned(path=home, workspace=None, removed=False, megabytes=size / 1e6,
                      reason=f"its owner record {home / OWNER_FILE} cannot be read ({exc}); delete it by hand if unused")
    if owner.exists():
        try:
            settings = read_secret(owner, Cluster, "PostgreSQL settings")
        except (CurationError, OSError) as exc:
            return Pruned(path=home, workspace=owner.parent.parent, removed=False, megabytes=size / 1e6,
                          reason=f"its workspace's settings cannot be read ({exc})")
        if settings is not None and settings.home.resolve() == home.resolve():
            return Pruned(path=home, workspace=owner.parent.parent, removed=False, megabytes=size / 1e6,
                          reason="its workspace still uses it")
    if not dry_run:
        cluster = Cluster.found(home)
        stop(cluster)
        remove(cluster)
    return Pruned(path=home, workspace=owner.parent.parent, removed=True, megabytes=size / 1e6,
                  reason="its workspace is gone" if not owner.exists() else "its workspace uses another cluster")


def bin_dir() -> Path:
    """The folder of PostgreSQL's server programs: $CURATION_POSTGRES_BIN, else PATH, else Debian's newest."""
    if given := os.environ.get(BIN_VAR):
        candidates = [Path(given)]
    else:
        on_path = shutil.which("pg_ctl")
        debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                        if p.parent.name.isdigit() else 0, reverse=True)
        candidates = ([Path(on_path).parent] if on_path else []) + debian
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in ("initdb", "pg_ctl", "createdb")):
            return folder
    where = f"{BIN_VAR}={os.environ[BIN_VAR]} holds no" if BIN_VAR in os.environ else "found no"
    raise ServerError(f"{where} PostgreSQL server programs (initdb, pg_ctl); install them "
                      f"(`apt-get install postgresql` on Debian/Ubuntu) or set {BIN_VAR} to their folder")


def start(cluster: Cluster, echo: Callable[[str], None] = print) -> None:
    """Make the cluster on first use, start it unless it runs, and make Label Studio's database."""
    programs = bin_dir()
    if not (cluster.data_dir / "PG_VERSION").is_file():
        echo(f"making a PostgreSQL cluster in {cluster.data_dir} ...")
        _init(cluster, programs)
    if running(cluster):
        return
    if not port_free(cluster.port):
        raise ServerError(f"port {cluster.port} on 127.0.0.1, where this workspace's PostgreSQL listens, is in use "
                          f"by another program; free it, or change `port` in the workspace's postgres.json")
    done = _run(cluster, [programs / "pg_ctl", "start", "-D", cluster.data_dir, "-l", cluster.log_path,
                          "-w", "-t", str(START_TIMEOUT), "-s"])
    if done.returncode != 0:
        raise ServerError(f"PostgreSQL did not start (pg_ctl: {done.stderr.strip() or done.returncode}); "
                          f"end of {cluster.log_path}:\n{_log_tail(cluster)}")
    _create_database(cluster, programs)


def running(cluster: Cluster) -> bool:
    """pg_ctl's own answer, from the postmaster.pid of this data directory: no guessing by process names."""
    if not (cluster.data_dir / "PG_VERSION").is_file():
        return False
    return _run(cluster, [bin_dir() / "pg_ctl", "status", "-D", cluster.data_dir]).returncode == 0


def stop(cluster: Cluster) -> bool:
    """Stop the cluster (fast shutdown: open sessions are rolled back); False if it was not running."""
    if not running(cluster):
        return False
    done = _run(cluster, [bin_dir() / "pg_ctl", "stop", "-D", cluster.data_dir, "-m", "fast", "-w", "-t", "60", "-s"])
    if done.returncode != 0:
        raise ServerError(f"PostgreSQL in {cluster.data_dir} did not stop: {done.stderr.strip()}")
    return True


def remove(cluster: Cluster) -> None:
    """Delete a stopped cluster's files: as root they live outside the workspace, so deleting it leaves them."""
    if running(cluster):
        raise ServerError(f"PostgreSQL in {cluster.data_dir} is running; stop it first (`curation server stop`)")
    shutil.rmtree(cluster.home, ignore_errors=True)


def label_studio_env(cluster: Cluster) -> dict[str, str]:
    """Label Studio's own database settings (core/settings/base.py), unprefixed."""
    return {"DJANGO_DB": "default", "POSTGRE_NAME": DATABASE, "POSTGRE_USER": ROLE,
            "POSTGRE_PASSWORD": cluster.password.get_secret_value(), "POSTGRE_HOST": "127.0.0.1",
            "POSTGRE_PORT": str(cluster.port)}


def _init(cluster: Cluster, programs: Path) -> None:
    """initdb into a fresh data directory (a half-made one from an interrupted run is replaced)."""
    _private_folder(cluster, cluster.home.parent)
    _private_folder(cluster, cluster.home)  # again: a workspace made before owners were recorded
    shutil.rmtree(cluster.data_dir, ignore_errors=True)
    password_file = cluster.home / ".initdb-password"
    _write_owned(cluster, password_file, cluster.password.get_secret_value(), mode="w")
    try:
        done = _run(cluster, [programs / "initdb", "-D", cluster.data_dir, "-U", ROLE, f"--pwfile={password_file}",
                              "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"])
    finally:
        password_file.unlink(missing_ok=True)
    if done.returncode != 0:
        raise ServerError(f"initdb failed in {cluster.data_dir}: {done.stderr.strip()[-2000:]}")
    _write_owned(cluster, cluster.data_dir / "postgresql.conf",
                 f"\n# curation: loopback only, no Unix socket\nlisten_addresses = '127.0.0.1'\n"
                 f"port = {cluster.port}\nunix_socket_directories = ''\n", mode="a")
    _write_owned(cluster, cluster.data_dir / "pg_hba.conf",
                 f"# curation: Label Studio's role, over loopback TCP, with its password\n"
                 f"host {DATABASE} {ROLE} 127.0.0.1/32 scram-sha-256\n"
                 f"host postgres {ROLE} 127.0.0.1/32 scram-sha-256\n", mode="w")


def _create_database(cluster: Cluster, programs: Path) -> None:
    done = _run(cluster, [programs / "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", ROLE, DATABASE],
                password=True)
    if done.returncode != 0 and "already exists" not in done.stderr:
        raise ServerError(f"creating Label Studio's database in PostgreSQL failed: {done.stderr.strip()}")


def _run(cluster: Cluster, cmd: list[str | Path], password: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the cluster's owner; the password, when needed, through PGPASSWORD."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"}
    if password:
        env["PGPASSWORD"] = cluster.password.get_secret_value()
    as_owner = {"user": cluster.os_user, "group": _owner(cluster)[1], "extra_groups": []} if cluster.os_user else {}
    if cluster.os_user:
        env["HOME"] = pwd.getpwnam(cluster.os_user).pw_dir
    return subprocess.run([str(part) for part in cmd], env=env, cwd=cluster.home, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=START_TIMEOUT + 30, check=False, start_new_session=True,
                          **as_owner)


def _owner(cluster: Cluster) -> tuple[int, int]:
    if cluster.os_user is None:
        return os.geteuid(), os.getegid()
    entry = pwd.getpwnam(cluster.os_user)
    return entry.pw_uid, entry.pw_gid


def _private_folder(cluster: Cluster, path: Path) -> None:
    """`path` made (or narrowed to) 0700, owned by the user who runs the cluster."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chown(path, *_owner(cluster))
    path.chmod(DIR_MODE)


def _write_owned(cluster: Cluster, path: Path, text: str, mode: str) -> None:
    """Write (mode "w") or append ("a") to a file of the cluster's owner, 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    with os.fdopen(open_private(path, flags), "w", encoding="utf-8") as handle:
        os.fchown(handle.fileno(), *_owner(cluster))
        handle.write(text)


def _log_tail(cluster: Cluster, lines: int = 15) -> str:
    try:
        return "\n".join(cluster.log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
