"""第二十三条: an opinion that changes a 三定 provision goes to approval with a special explanation — the
leader deciding on the phone must see that it changes the 三定 and read the explanation."""

from __future__ import annotations

from approvals_support import logged_in


def test_the_phone_page_shows_that_the_opinion_changes_the_sanding_and_its_explanation_第二十三条(
    app, intake, ask
) -> None:
    approval_id = ask(
        decision_kind="coordination_opinion",
        drafted_decision={
            "summary": "餐厨垃圾收运由市综合行政执法局监管",
            "text": "经协调，收运环节由市综合行政执法局负责。",
            "changes_sanding": True,
            "special_explanation": "涉及调整市综合行政执法局“三定”规定第三条第（五）项",
        },
    )
    client = app.test_client()
    logged_in(client, intake, "bb.head")
    html = client.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert "涉及调整市综合行政执法局“三定”规定第三条第（五）项" in html
    assert "改变部门“三定”规定" in html and "第二十三条" in html


def test_an_opinion_that_keeps_the_sanding_shows_no_explanation_block(app, intake, ask) -> None:
    approval_id = ask(decision_kind="coordination_opinion")
    client = app.test_client()
    logged_in(client, intake, "bb.head")
    html = client.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert "改变部门“三定”规定" not in html
