"""Publishing an existing, verified version to the Hugging Face Hub: one commit, then the tag `vX.Y.Z`.

The repo's main branch holds the newest upload; each version stays reachable as
`load_dataset("ORG/NAME", config, revision="vX.Y.Z")`. Before anything is sent the
version is verified, the token checked (`HF_TOKEN` or the hub's own login, through
huggingface_hub) and the card validated by the Hub. A version whose tag is already
there with the same content id is reported, not uploaded again; a failed upload is
retried by running `publish` again (the Hub keeps files already sent and a commit of
unchanged files is skipped). Every failure becomes one `PublishError` line; the local
version is only read. `private`: a new repo is created private, an existing public one is made
private (huggingface_hub's `update_repo_settings`) before anything is sent; without it the
repo's visibility is left as it is. The card uploaded is the version's card rendered for the repo
(its load lines name `ORG/NAME`); everything else is the version's own bytes.

`api` is anything with HfApi's methods used here, so the boundary can be tested
without the network; the token is never printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.errors import CurationError
from curation.export import card
from curation.export import manifest as mf
from curation.export.verification import problems


class PublishError(CurationError):
    """Publishing failed or was refused; the message is one line and says what to do."""


@dataclass(frozen=True)
class Published:
    repo_id: str
    tag: str
    status: str  # "uploaded", "already published" or "dry run"
    files: dict[str, int]  # path in the repo -> bytes


def hub_api() -> Any:
    from huggingface_hub import HfApi

    return HfApi()  # token: HF_TOKEN, else the hub's own login


def upload_files(version_dir: Path) -> dict[str, int]:
    """What a publish sends: every file of the version, by path, with its size."""
    return {p.relative_to(version_dir).as_posix(): p.stat().st_size
            for p in sorted(version_dir.rglob("*")) if p.is_file()}


def explain(exc: BaseException, repo_id: str) -> str:
    """One line for anything huggingface_hub or the network raised."""
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError, RepositoryNotFoundError

    if isinstance(exc, LocalTokenNotFoundError):
        return "no Hugging Face token: set HF_TOKEN or run `hf auth login`"
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        code = exc.response.status_code
        if code == 401:
            return "the Hub refused the token (401 Unauthorized): set a valid HF_TOKEN or run `hf auth login`"
        if code == 403:
            return f"the token may not write to {repo_id} (403 Forbidden): use a write token of its owner"
        if code == 404 or isinstance(exc, RepositoryNotFoundError):
            return f"dataset repo {repo_id} not found (404) and could not be created: check the name and the token's rights"
        if code == 429:
            return "the Hub is rate-limiting these requests (429 Too Many Requests): wait and run `curation publish` again"
        return f"the Hub answered {code} {exc.response.reason_phrase}: try again later (`curation publish` resumes)"
    return f"cannot reach the Hub: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'}"


def published_content(api: Any, repo_id: str, tag: str) -> str | None:
    """The content id of the version tagged `tag` in the repo; None when there is no such tag."""
    refs = api.list_repo_refs(repo_id, repo_type="dataset")
    if not any(ref.name == tag for ref in refs.tags):
        return None
    path = api.hf_hub_download(repo_id, mf.MANIFEST, repo_type="dataset", revision=tag)
    try:
        return json.loads(Path(path).read_bytes())["content_id"]  # all a tag's manifest must say here
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{repo_id} already has a tag {tag} whose manifest.json has no readable content_id: "
                           "publish under a new version") from None


def make_private(api: Any, repo_id: str) -> None:
    """`--private` for a repo that exists and is public: made private before anything is sent to it."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        api.update_repo_settings(repo_id, private=True, repo_type="dataset")
    except HfHubHTTPError as exc:
        code = f"{exc.response.status_code} {exc.response.reason_phrase}" if exc.response is not None else "no answer"
        raise PublishError(f"{repo_id} is public and could not be made private ({code}): nothing was uploaded; "
                           "change its visibility on the Hub with an admin token, or publish without --private") from None


def publish(version_dir: Path, repo_id: str, *, private: bool = False, dry_run: bool = False,
            api: Any = None) -> Published:
    """Upload the version folder to the dataset repo `repo_id` in one commit and tag it; see the module doc."""
    if found := problems(version_dir):
        raise PublishError(f"{version_dir} is not intact, not publishing: {found[0]} (`curation verify`)")
    manifest = mf.read(version_dir)
    version, tag = manifest["version"], f"v{manifest['version']}"
    files = upload_files(version_dir)
    if dry_run:
        return Published(repo_id, tag, "dry run", files)
    api = api if api is not None else hub_api()
    try:
        return _upload(api, version_dir, manifest, repo_id, tag, private, files)
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 - huggingface_hub and httpx raise many kinds; each becomes one line
        raise PublishError(explain(exc, repo_id)) from None


def _upload(api: Any, version_dir: Path, manifest: dict[str, Any], repo_id: str, tag: str, private: bool,
            files: dict[str, int]) -> Published:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, DatasetCard

    api.whoami()  # the token first: nothing is sent with a missing or refused one
    readme = card.render(manifest, repo_id=repo_id)
    try:
        DatasetCard(readme).validate(repo_type="dataset")
    except ValueError as exc:
        raise PublishError(f"the Hub rejects the card: {str(exc).splitlines()[0]}") from None
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        public = not api.repo_info(repo_id, repo_type="dataset").private
    except RepositoryNotFoundError:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        there = None
    else:
        if private and public:
            make_private(api, repo_id)
        there = published_content(api, repo_id, tag)
    if there == manifest["content_id"]:
        return Published(repo_id, tag, "already published", files)
    if there is not None:
        raise PublishError(f"{repo_id} already has a tag {tag} with other content: publish under a new version")
    stale = set(api.list_repo_files(repo_id, repo_type="dataset")) - set(files) - {".gitattributes"}
    operations = [CommitOperationAdd(path, readme.encode("utf-8") if path == mf.CARD else str(version_dir / path))
                  for path in files] + [CommitOperationDelete(path) for path in sorted(stale)]
    commit = api.create_commit(repo_id, operations, repo_type="dataset",
                               commit_message=f"curation: {manifest['name']} {manifest['version']}")
    api.create_tag(repo_id, tag=tag, revision=commit.oid, repo_type="dataset",
                   tag_message=f"dataset version {manifest['version']}")
    return Published(repo_id, tag, "uploaded", files)
