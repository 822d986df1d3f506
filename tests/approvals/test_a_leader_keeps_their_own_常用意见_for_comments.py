"""常用意见: a leader adds and removes their own saved phrases; on the task page they come first and fill
the comment with one tap (a refused empty phrase keeps its message beside the field; another leader's phrase
is not theirs to remove)."""

from __future__ import annotations

import re

from approvals_support import logged_in


def test_a_leader_adds_and_removes_saved_phrases_and_the_task_page_offers_them_first(
    app, intake, ask
) -> None:  # type: ignore[no-untyped-def]
    approval_id = ask()
    head = app.test_client()
    token = logged_in(head, intake, "bb.head").csrf_token
    page = head.get("/m/approvals/phrases").get_data(as_text=True)
    assert "<h1>常用意见</h1>" in page and re.search(r'<label for="phrase">意见内容', page)
    empty = head.post("/m/approvals/phrases", data={"csrf_token": token, "phrase": "  "})
    assert empty.status_code == 422 and 'id="phrase-error"' in empty.get_data(as_text=True)
    saved = head.post("/m/approvals/phrases", data={"csrf_token": token, "phrase": "拟同意，请王主任审定"})
    assert saved.status_code == 303
    head.post("/m/approvals/phrases", data={"csrf_token": token, "phrase": "拟同意，请王主任审定"})  # once
    listed = head.get("/m/approvals/phrases").get_data(as_text=True)
    assert listed.count("删除：拟同意，请王主任审定") == 1
    task = head.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    buttons = re.findall(r'data-phrase="([^"]+)"', task)
    assert buttons[0] == "拟同意，请王主任审定" and "管理常用意见" in task
    phrase_id = re.search(r'name="remove" value="(\d+)"', listed).group(1)  # type: ignore[union-attr]
    other = app.test_client()
    other_token = logged_in(other, intake, "bb.leader").csrf_token
    refused = other.post("/m/approvals/phrases", data={"csrf_token": other_token, "remove": phrase_id})
    assert refused.status_code == 404
    removed = head.post("/m/approvals/phrases", data={"csrf_token": token, "remove": phrase_id})
    assert removed.status_code == 303
    assert "拟同意，请王主任审定" not in head.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
