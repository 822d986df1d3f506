"""The pure rule of 第三十七条第四项, once devolution's ``validate_finding``: undelivered support is about an
approved devolution, devolving without approval is not about an approved one, and the order goes to the
department that devolved."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.rectification import (
    KnownDevolution,
    RectificationGround,
    check_devolution_ground,
    check_rectification_order,
)
from shared.errors import ValidationFailed

G = RectificationGround
APPROVED = KnownDevolution("dv-1", "关于下放“食品小作坊登记”职责的申请", "nb-scjg", approved=True)
REVIEWING = KnownDevolution("dv-2", "关于下放“农机登记”职责的申请", "nb-nyj", approved=False)


def _field(ground: RectificationGround, department: str, devolution: KnownDevolution | None) -> str:
    with pytest.raises(ValidationFailed) as refused:
        check_devolution_ground(ground, department, devolution)
    return next(iter(refused.value.fields))


def test_a_rectification_ground_must_fit_the_devolution_under_article_37_item_4_第三十七条第四项() -> None:
    check_devolution_ground(G.SUPPORT_NOT_DELIVERED, "nb-scjg", APPROVED)
    assert _field(G.SUPPORT_NOT_DELIVERED, "nb-nyj", REVIEWING) == "ground"
    assert _field(G.SUPPORT_NOT_DELIVERED, "nb-scjg", None) == "ground"
    check_devolution_ground(G.DEVOLVED_WITHOUT_APPROVAL, "nb-scjg", None)
    check_devolution_ground(G.DEVOLVED_WITHOUT_APPROVAL, "nb-nyj", REVIEWING)
    assert _field(G.DEVOLVED_WITHOUT_APPROVAL, "nb-scjg", APPROVED) == "ground"


def test_the_order_goes_to_the_department_that_devolved_第三十七条第四项() -> None:
    assert _field(G.SUPPORT_NOT_DELIVERED, "nb-nyj", APPROVED) == "department"


def test_only_the_devolution_grounds_name_a_devolution_第三十七条() -> None:
    check_devolution_ground(G.NOT_AS_COORDINATED, "nb-scjg", None)
    assert _field(G.NOT_AS_COORDINATED, "nb-scjg", APPROVED) == "devolution_id"


def test_the_facts_are_written_and_the_date_is_ahead_第三十七条() -> None:
    today = date(2026, 11, 28)
    assert check_rectification_order("support_not_delivered", "经费未拨付", date(2026, 12, 31), today) is (
        G.SUPPORT_NOT_DELIVERED
    )
    with pytest.raises(ValidationFailed) as refused:
        check_rectification_order("devolved_without_approval", " ", today, today)
    assert set(refused.value.fields) == {"facts", "due_date"}
