"""`.curation/team.json`: the team's members and roles, and who the workspace's admin is.

The roster is the only place a Label Studio user id meets an e-mail address and a name, so it stays in
the workspace (mode 0600, like the credentials) and never in a dataset. Every change is a read-modify-write
under a lock and an atomic rename: two operators adding people at once lose nobody.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ValidationError

from curation.atomic import atomic_writer
from curation.errors import CurationError
from curation.server.locking import file_lock
from curation.sync.review import ReviewRule
from curation.workspace import ReviewPolicy, Workspace, WorkspaceError

ROLES = ("annotator", "reviewer")
Role = Literal["annotator", "reviewer"]


class TeamError(CurationError):
    """Bad input to a team command (unknown role, invalid address, last reviewer); nothing was changed."""


class Term(BaseModel):
    """A time a member held the reviewer role: accepts they saved then are reviews, before or after it are not."""

    start: str | None  # None: since before roles were dated (a roster of an older curation)
    end: str | None = None  # None: still a reviewer


class Member(BaseModel):
    email: str
    role: Role
    user_id: int  # Label Studio's
    name: str | None = None
    active: bool = True  # False once removed: their annotations stay and keep their name
    added_at: str
    terms: list[Term] = []  # their reviewer terms; none for a reviewer of an older roster (a reviewer always)

    def set_role(self, role: Role, at: str) -> None:
        """Change the role, opening or closing a reviewer term at `at`."""
        if role == self.role:
            return
        if role == "reviewer":
            self.terms.append(Term(start=at))
        elif self.terms:
            self.terms[-1].end = at
        else:  # a reviewer since before terms were recorded
            self.terms.append(Term(start=None, end=at))
        self.role = role


class Roster(BaseModel):
    members: list[Member] = []
    admins: list[int] = []  # Label Studio ids curation has acted as (the workspace's admin): may review

    def member(self, email: str) -> Member | None:
        return next((m for m in self.members if m.email == email.lower()), None)

    def by_id(self) -> dict[int, Member]:
        return {m.user_id: m for m in self.members}

    def active(self, role: Role | None = None) -> list[Member]:
        return [m for m in self.members if m.active and role in (None, m.role)]

    def review_rule(self, policy: ReviewPolicy) -> ReviewRule:
        """Who may review, and when: the admins always; members during their reviewer terms (a removed one's past
        reviews still count; a member promoted later does not turn their earlier accepts into reviews)."""
        always = {m.user_id for m in self.members if m.role == "reviewer" and not m.terms} | set(self.admins)
        terms = tuple((m.user_id, t.start, t.end) for m in self.members for t in m.terms)
        return ReviewRule(policy, frozenset(always), terms)


def path(ws: Workspace) -> Path:
    return ws.dir / "team.json"


def load(ws: Workspace) -> Roster:
    """The workspace's roster (empty before the first `curation team add`)."""
    where = path(ws)
    if not where.is_file():
        return Roster()
    try:
        return Roster.model_validate_json(where.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as exc:
        what = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors()) \
            if isinstance(exc, ValidationError) else "not UTF-8"
        raise WorkspaceError(f"{where}: not a valid team roster ({what})") from None


def save(ws: Workspace, roster: Roster) -> None:
    with atomic_writer(path(ws)) as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(roster.model_dump_json(indent=2) + "\n")


@contextmanager
def editing(ws: Workspace) -> Iterator[Roster]:
    """The roster to change in place, saved on a clean exit (an exception saves nothing), under the lock."""
    with file_lock(ws.dir / "team.lock", what="change of the team"):  # the lock file is made 0600
        roster = load(ws)
        before = roster.model_dump()
        yield roster
        if roster.model_dump() != before:
            save(ws, roster)


def checked_email(email: str) -> str:
    """The address normalised (lower case, as Label Studio stores it), or TeamError saying what is wrong."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise TeamError(f"{email!r} is not a valid e-mail address: {exc}") from None


def checked_role(role: str) -> Role:
    if role not in ROLES:
        raise TeamError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def record_admin(ws: Workspace, user_id: int) -> None:
    """Remember that curation acts as `user_id` here (its accepts are reviews); no write when known."""
    if user_id not in load(ws).admins:
        with editing(ws) as roster:
            if user_id not in roster.admins:
                roster.admins.append(user_id)


def review_rule(ws: Workspace) -> ReviewRule:
    """The workspace's review policy with who may review under it: what every reader of "reviewed" takes."""
    return load(ws).review_rule(ws.config().review)


def names(ws: Workspace) -> Callable[[int | None], str]:
    """Label Studio user id -> the one name maintainers see: the member's name, else their e-mail; "admin"
    for the workspace's admin; "user N" for anyone not on the roster. Names are unique: a name two members
    share comes with the e-mail."""
    roster = load(ws)
    shown = Counter(m.name for m in roster.members if m.name)
    known = {m.user_id: m.email if not m.name else m.name if shown[m.name] == 1 else f"{m.name} <{m.email}>"
             for m in roster.members}  # two people of one name stay two
    admins = set(roster.admins)

    def name(user_id: int | None) -> str:
        if user_id in known:
            return known[user_id]
        return "admin" if user_id in admins else f"user {user_id}"

    return name
