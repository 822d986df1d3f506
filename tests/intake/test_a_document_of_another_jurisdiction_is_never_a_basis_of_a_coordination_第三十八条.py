"""第三十八条第二款: a department's documents — its 三定 规定, its division opinions — are a basis only in its
own jurisdiction: a district's coordination application cannot rest on a city department's document, nor
the city's on a district department's; the refusal names the basis's field and cites the article."""

from __future__ import annotations

from casework_support import Desk, application_body

APPLICATIONS = "/cases/coordination-applications"


def test_a_district_application_resting_on_a_city_departments_sanding_is_refused_第三十八条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    body = application_body(
        title="关于网络餐饮监管职责分工的协调申请",
        host_department="hs-scjg",
        other_parties=["hs-bb"],
        legal_bases=[
            {"type": "law", "name": "中华人民共和国食品安全法"},
            {
                "type": "sanding",
                "name": "宁波市市场监督管理局职能配置、内设机构和人员编制规定",
                "issued_by": "nb-scjg",
            },
        ],
    )
    refused = desk.post("hs.scjg.clerk", APPLICATIONS, body)
    assert refused.status_code == 422, refused.json
    assert refused.json["code"] == "basis_from_other_jurisdiction"
    [error] = refused.json["errors"]
    assert error["field"] == "legal_bases[1].issued_by"
    assert "宁波市市场监督管理局" in error["messages"][0] and "第三十八条第二款" in error["messages"][0]
    assert "nb-scjg" not in refused.get_data(as_text=True)


def test_the_citys_application_rests_on_its_own_departments_documents_not_a_districts_第三十八条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    own = {"type": "sanding", "name": "宁波市综合行政执法局三定规定", "issued_by": "nb-zhzf"}
    accepted = desk.post("zhzf.clerk", APPLICATIONS, application_body(legal_bases=[own]))
    assert accepted.status_code == 201, accepted.json
    district = {"type": "sanding", "name": "海曙区市场监督管理局三定规定", "issued_by": "hs-scjg"}
    refused = desk.post(
        "zhzf.clerk", APPLICATIONS, application_body(title="另一件申请", legal_bases=[own, district])
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["legal_bases[1].issued_by"]
    assert "海曙区" in refused.json["errors"][0]["messages"][0]
