"""Adding and removing team members in Label Studio, and what each has done.

Label Studio Community has one organisation and no roles: every member may do everything through the API
and sees every project. So a member joins through the organisation's invite link (the sign-up a person
would use: they can log in), their role is curation's alone (team.json), and "removing" someone is
Label Studio's soft delete of the membership: their token and login then reach no project, their
annotations stay. Community cannot restore a removed membership, so a removed address cannot be re-added.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.server.users import Account, invite_user
from curation.sync.review import ReviewRule, flagged
from curation.team.roster import (Member, Role, TeamError, Term, checked_email, checked_role, editing, load, now, record_admin,
                                  review_rule)
from curation.workspace import Workspace

INDEPENDENCE = (
    "Label Studio Community cannot hide colleagues' work: the labeling stream (Label All Tasks) shows each "
    "annotator the pre-annotations and no colleague's annotation, but the project's Data Manager shows every "
    "member all tasks and every annotation with its author, and any member's token can read, change or delete "
    "them through the API. Ask annotators to work from the labeling stream only.")


@dataclass(frozen=True)
class Added:
    member: Member
    account: Account | None  # a new login (None: an existing Label Studio user, or a role change)
    change: str  # "invited", "adopted" (already a Label Studio user), "role changed", "unchanged"


def last_reviewer_left(members: list[Member], leaving: Member) -> bool:
    return leaving.role == "reviewer" and [m.user_id for m in members if m.active and m.role == "reviewer"] == [leaving.user_id]


def add_member(client: LabelStudio, url: str, ws: Workspace, email: str, role: str, name: str | None = None) -> Added:
    """Make `email` a member with `role`: invited (a new login), adopted (an existing Label Studio user of
    that address), or given the new role. Bad input raises TeamError before anything changes."""
    email, role = checked_email(email), checked_role(role)
    record_admin(ws, client.users.whoami().id)
    with editing(ws) as roster:
        member = roster.member(email)
        if member is not None:
            return Added(member, None, change_role(roster.members, member, role, name))
        existing = next((u for u in client.users.list() if (u.email or "").lower() == email), None)
        account = None if existing else invite_user(client, url, email, name)
        added = now()
        member = Member(email=email, role=role, user_id=existing.id if existing else account.user_id,  # type: ignore[union-attr]
                        name=name or (" ".join(filter(None, (existing.first_name, existing.last_name))) or None
                                      if existing else None), added_at=added,
                        terms=[Term(start=added)] if role == "reviewer" else [])
        roster.members.append(member)
        return Added(member, account, "adopted" if existing else "invited")


def change_role(members: list[Member], member: Member, role: Role, name: str | None) -> str:
    if not member.active:
        raise TeamError(f"{member.email} was removed; Label Studio Community cannot restore a removed membership "
                        "(its API has no undelete): invite them under another address")
    if member.role == role and name in (None, member.name):
        return "unchanged"
    if role != "reviewer" and last_reviewer_left(members, member):
        raise TeamError(f"{member.email} is the team's last reviewer: add another reviewer first")
    changed = "role changed" if member.role != role else "renamed"
    member.set_role(role, now())
    member.name = name or member.name
    return changed


def remove_member(client: LabelStudio, ws: Workspace, email: str) -> Member:
    """Deactivate `email`: Label Studio's soft delete of their membership (no project is open to their login or
    token any more; their annotations stay), and inactive in the roster. The last reviewer cannot go."""
    email = checked_email(email)
    with editing(ws) as roster:
        member = roster.member(email)
        if member is None or not member.active:
            raise TeamError(f"{email} is not an active member of this workspace's team (`curation team list`)")
        if last_reviewer_left(roster.members, member):
            raise TeamError(f"{email} is the team's last reviewer: add another reviewer first")
        organization = client.users.whoami().active_organization
        try:
            client.organizations.members.delete(id=organization, user_pk=member.user_id)
        except ApiError as exc:
            if exc.status_code != 404:  # 404: already gone in Label Studio
                raise
        member.active = False
        return member


def activity(live: pl.DataFrame, rule: ReviewRule) -> dict[int, dict[str, int]]:
    """user id -> annotations submitted, reviews (accepts and ground truths that count), self-accepts, skips."""
    if not live.height:
        return {}
    frame = flagged(live, rule)
    done = frame.group_by("author").agg((~pl.col("was_cancelled")).sum().alias("annotations"),
                                        pl.col("was_cancelled").sum().alias("skips"))
    saved = frame.group_by("saver").agg((pl.col("accepts") | pl.col("grounds")).sum().alias("reviews"),
                                        pl.col("self_accept").sum().alias("self_accepts"))
    counts: dict[int, dict[str, int]] = {}
    for who, annotations, skips in done.iter_rows():
        counts.setdefault(who, {}).update(annotations=annotations, skips=skips)
    for who, reviews, self_accepts in saved.iter_rows():
        counts.setdefault(who, {}).update(reviews=reviews, self_accepts=self_accepts)
    return {who: {k: c.get(k, 0) for k in ("annotations", "reviews", "self_accepts", "skips")} for who, c in counts.items()}


def team_rows(ws: Workspace) -> list[dict]:
    """`curation team list`: each member with their dataset pseudonym and what they did (from the last pull)."""
    from curation.export.pseudonyms import pseudonym, salt
    from curation.sync import snapshots

    project_id = ws.config().project_id
    done = activity(snapshots.live(ws, project_id), review_rule(ws)) if project_id is not None else {}
    key = salt(ws)
    zero = dict.fromkeys(("annotations", "reviews", "self_accepts", "skips"), 0)
    return [{"email": m.email, "name": m.name, "role": m.role, "active": m.active, "user_id": m.user_id,
             "pseudonym": pseudonym(key, m.user_id), **done.get(m.user_id, zero)} for m in load(ws).members]
