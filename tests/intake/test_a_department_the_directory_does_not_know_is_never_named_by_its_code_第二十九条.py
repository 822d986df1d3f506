"""A department the directory does not know (any more) is called 有关部门 wherever a person reads it —
flags on a 第二十九条 division, documents, the dashboard — never by its code (``nb-xxx`` must not reach a
person)."""

from __future__ import annotations

from services.intake.domain.deliberation import FileDivision, MemberDivision, MemberTask, division_flags
from services.intake.domain.rules import UNKNOWN_DEPARTMENT, named


def test_a_known_department_is_named_and_an_unknown_one_is_有关部门() -> None:
    names = {"nb-scjg": "宁波市市场监督管理局"}
    assert named(names, "nb-scjg") == "宁波市市场监督管理局"
    assert named(names, "nb-gone") == UNKNOWN_DEPARTMENT == "有关部门"


def test_the_flags_on_a_division_name_an_unknown_member_without_its_code_第二十九条() -> None:
    shared = MemberTask(task="校园食品安全联合检查", sanding_provision="三定第三条", shared_with=["nb-gone"])
    command = FileDivision(
        body_name="宁波市食品安全委员会",
        lead_department="nb-scjg",
        mechanism="每季度召开一次全体会议",
        residual_responsibility="牵头单位承担兜底责任",
        members=[
            MemberDivision(department="nb-scjg", tasks=[shared]),
            MemberDivision(department="nb-gone", tasks=[MemberTask(task="校园食品安全联合检查")]),
        ],
    )
    texts = [flag.message for flag in division_flags(command, {"nb-scjg": "宁波市市场监督管理局"})]
    assert texts and all("nb-gone" not in text for text in texts)
    assert any("有关部门" in text for text in texts)
