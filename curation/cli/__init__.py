"""The `curation` command line: thin typer commands over library functions.

Each command lives in its own module and registers itself on `app`. Command modules import only typer and
`curation.cli.*` at top level; the library (and label_studio_sdk, datasets, polars, matplotlib…) is imported
inside the command that runs, so `curation --help` answers at once (tests/test_cli.py checks sys.modules).
"""

from curation.cli._app import app
from curation.cli import server as _server  # noqa: F401  (registers commands, in the order `--help` lists them)
from curation.cli import team as _team  # noqa: F401
from curation.cli import tasks as _tasks  # noqa: F401
from curation.cli import push as _push  # noqa: F401
from curation.cli import sync as _sync  # noqa: F401
from curation.cli import quality as _quality  # noqa: F401
from curation.cli import evaluate as _evaluate  # noqa: F401
from curation.cli import export as _export  # noqa: F401
from curation.cli import convert as _convert  # noqa: F401
from curation.cli import publish as _publish  # noqa: F401
from curation.cli import preannotators as _preannotators  # noqa: F401
from curation.cli import config as _config  # noqa: F401

__all__ = ["app"]
