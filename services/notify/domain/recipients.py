"""Who a request reaches: a person's own 浙政钉 account, a department's contact people and group robots,
or everyone holding a role in a jurisdiction.

A department's contact people are its clerks and leaders (部门经办人、部门负责人); a department with neither
(the office itself, say) reaches all its active people. Group robots and webhooks bound to a department are
reached whenever the department is. A party that resolves to nobody is kept as an *unreachable* target so
that the delivery log shows why nothing went out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

CONTACT_ROLES = frozenset({"dept_clerk", "dept_leader"})


@dataclass(frozen=True)
class Person:
    """A person as notify knows them from the directory replica."""

    id: str
    name: str
    jurisdiction: str
    department: str | None
    roles: tuple[str, ...]
    zwd_account_id: str | None
    active: bool = True


@dataclass(frozen=True)
class GroupChannel:
    """A robot or webhook channel of a jurisdiction, and the departments it speaks for."""

    id: str
    kind: str
    name: str
    jurisdiction: str
    departments: tuple[str, ...]
    enabled: bool = True


@dataclass(frozen=True)
class Target:
    """One recipient of one request: a person on 浙政钉, or a group channel. ``problem`` says why it is
    unreachable (then nothing is sent and the delivery is recorded as failed)."""

    recipient: str
    name: str
    jurisdiction: str
    channel_kind: str
    account_id: str | None = None
    channel_id: str | None = None
    problem: str | None = None
    waits: bool = False
    """True when nobody was found in the directory replica, which may not have caught up with intake yet
    (a fresh start, a person added a moment ago): the request waits for it rather than failing at once."""


class Directory:
    """The lookups resolution needs, over in-memory rows (the service layer loads them)."""

    def __init__(self, people: Iterable[Person], channels: Iterable[GroupChannel] = ()) -> None:
        self.people = {person.id: person for person in people}
        self.channels = {channel.id: channel for channel in channels}

    def in_department(self, code: str) -> list[Person]:
        return sorted((p for p in self.people.values() if p.department == code and p.active), key=_by_id)

    def with_role(self, role: str, jurisdiction: str) -> list[Person]:
        return sorted(
            (
                p
                for p in self.people.values()
                if role in p.roles and p.jurisdiction == jurisdiction and p.active
            ),
            key=_by_id,
        )

    def channels_of(self, department: str, jurisdiction: str) -> list[GroupChannel]:
        return sorted(
            (
                c
                for c in self.channels.values()
                if c.enabled and c.jurisdiction == jurisdiction and department in c.departments
            ),
            key=lambda c: c.id,
        )


def _by_id(person: Person) -> str:
    return person.id


def person_target(person: Person) -> Target:
    problem = None
    if not person.active:
        problem = "该人员已停用"
    elif not person.zwd_account_id:
        problem = "该人员没有浙政钉账号（accountId）"
    return Target(
        recipient=f"person:{person.id}",
        name=person.name,
        jurisdiction=person.jurisdiction,
        channel_kind="zwd_work_notification",
        account_id=person.zwd_account_id,
        problem=problem,
    )


def channel_target(channel: GroupChannel) -> Target:
    return Target(
        recipient=f"channel:{channel.id}",
        name=channel.name,
        jurisdiction=channel.jurisdiction,
        channel_kind=channel.kind,
        channel_id=channel.id,
        problem=None if channel.enabled else "该渠道已停用",
    )


def unreachable(kind: str, ident: str, jurisdiction: str, problem: str, *, waits: bool = False) -> Target:
    return Target(
        recipient=f"{kind}:{ident}",
        name=ident,
        jurisdiction=jurisdiction,
        channel_kind="none",
        problem=problem,
        waits=waits,
    )


def party_of(recipient: str, jurisdiction: str) -> dict[str, str]:
    """The party a recipient key (``role:office_admin``, ``person:bb.clerk``) was resolved from."""
    kind, _, ident = recipient.partition(":")
    return {"kind": kind, "id": ident, "jurisdiction": jurisdiction}


def resolve_party(party: Mapping[str, str], directory: Directory) -> list[Target]:
    """The targets of one party (see the module notes)."""
    kind, ident, jurisdiction = (
        party.get("kind", ""),
        str(party.get("id", "")),
        str(party.get("jurisdiction", "")),
    )
    if kind == "person":
        person = directory.people.get(ident)
        if person is None:
            return [unreachable("person", ident, jurisdiction, "组织目录中没有该人员", waits=True)]
        return [person_target(person)]
    if kind == "department":
        members = directory.in_department(ident)
        contacts = [p for p in members if CONTACT_ROLES & set(p.roles)] or members
        targets = [person_target(p) for p in contacts]
        targets += [channel_target(c) for c in directory.channels_of(ident, jurisdiction)]
        return targets or [
            unreachable("department", ident, jurisdiction, "该部门没有联系人或群机器人", waits=True)
        ]
    if kind == "role":
        holders = directory.with_role(ident, jurisdiction)
        return [person_target(p) for p in holders] or [
            unreachable("role", ident, jurisdiction, "该辖区没有担任此角色的人员", waits=True)
        ]
    if kind == "channel":
        channel = directory.channels.get(ident)
        if channel is None or channel.jurisdiction != jurisdiction:
            return [unreachable("channel", ident, jurisdiction, "该辖区没有此通知渠道")]
        return [channel_target(channel)]
    return [unreachable(kind or "unknown", ident, jurisdiction, f"不认识的通知对象类型：{kind}")]


def resolve(parties: Sequence[Mapping[str, str]], directory: Directory) -> list[Target]:
    """All targets of a request, each recipient once (first occurrence wins), in a stable order."""
    seen: dict[str, Target] = {}
    for party in parties:
        for target in resolve_party(party, directory):
            seen.setdefault(target.recipient, target)
    return list(seen.values())


def delivery_key(dedupe_key: str, recipient: str) -> str:
    """The idempotency key sent to the platform (浙政钉 ``bizMsgId``, ``webhook-id``): the same for the same
    dedupe key and recipient, whoever computes it and however often."""
    digest = hashlib.sha256(f"{dedupe_key}\n{recipient}".encode()).hexdigest()
    return f"dm{digest[:38]}"
