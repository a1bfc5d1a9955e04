"""`push --overlap N [--overlap-share P]`: checked against the team before anything is sent or saved."""

from __future__ import annotations

from curation.sync.project import Overlap
from curation.team.roster import TeamError, load
from curation.workspace import Workspace


def checked_overlap(ws: Workspace, annotators: int | None, share: int | None) -> Overlap | None:
    """The overlap to set (None: keep the project's), or TeamError: fewer than one annotator per task, more than
    the team's active annotators, or a share outside 1..100."""
    if annotators is None:
        if share is None:
            return None
        annotators = ws.config().overlap
        if annotators is None:
            raise TeamError("--overlap-share needs --overlap N (annotators per task)")
    if annotators < 1:
        raise TeamError(f"--overlap {annotators}: each task needs at least one annotator")
    team = len(load(ws).active("annotator"))
    if annotators > 1 and annotators > team:
        raise TeamError(f"--overlap {annotators} is more than the team's {team} annotators "
                        "(`curation team add EMAIL --role annotator`): some tasks could never be completed")
    share = ws.config().overlap_share if share is None else share
    if not 1 <= share <= 100:
        raise TeamError(f"--overlap-share {share}: give a percentage of tasks, 1 to 100")
    return Overlap(annotators, share)
