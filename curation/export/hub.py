"""Publishing a version to the Hugging Face Hub: upload the folder, tag it `vX.Y.Z`.

The repo's main branch holds the newest upload; each version stays reachable as
`load_dataset("ORG/NAME", config, revision="vX.Y.Z")`. `api` is anything with
HfApi's `create_repo`, `upload_folder` and `create_tag`, so the boundary can be
tested without the network; the token comes from HF_TOKEN through HfApi itself
and is never printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def push_version(api: Any, version_dir: Path, repo_id: str, version: str) -> str:
    """Upload one version folder to the dataset repo `repo_id` and tag the commit; returns the tag."""
    api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
    commit = api.upload_folder(folder_path=str(version_dir), repo_id=repo_id, repo_type="dataset",
                               commit_message=f"curation export {version}",
                               delete_patterns=["*.parquet", "**/*.parquet", "manifest.json"])
    tag = f"v{version}"
    api.create_tag(repo_id, tag=tag, revision=getattr(commit, "oid", None), repo_type="dataset",
                   tag_message=f"dataset version {version}")
    return tag


def hub_api() -> Any:
    from huggingface_hub import HfApi

    return HfApi()  # reads HF_TOKEN from the environment
