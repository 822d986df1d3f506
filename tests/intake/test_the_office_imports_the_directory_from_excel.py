"""Where a deployment has no address-book access yet, the office fills in an Excel sheet: every row is
checked and every error named in Chinese with its sheet and row; nothing is imported unless every row is
right; a person marked 离职 loses access at once. The demo seed refuses a production database."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook

from services.intake.app import create_app
from services.intake.pages.login import session_user
from services.intake.tables import Department, Person
from services.intake.usecases import directory
from shared import demo
from shared.config import REPO_ROOT
from shared.web import session as web_session

OFFICE = "中共宁波市委机构编制委员会办公室"


def _book(people: list[list[str]], departments: list[list[str]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["姓名", "部门", "职务", "浙政钉账号ID", "角色", "在职", "用户标识"])
    for row in people:
        sheet.append(row)
    if departments is not None:
        extra = book.create_sheet("部门")
        extra.append(["部门名称", "部门类别", "职能", "部门编码"])
        for row in departments:
            extra.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def admin(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    app = create_app(runtime=runtime)
    client = app.test_client()
    started = web_session.new_session(
        runtime.settings, session_user(runtime, directory.find_person(runtime, "bb.admin"))
    )
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings))

    def upload(data: bytes):  # type: ignore[no-untyped-def]
        return client.post(
            "/admin/directory/import",
            data={"csrf_token": started.csrf_token, "file": (io.BytesIO(data), "通讯录.xlsx")},
            content_type="multipart/form-data",
        )

    client.upload = upload  # type: ignore[attr-defined]
    client.runtime = runtime  # type: ignore[attr-defined]
    return client


def test_the_template_has_the_columns_the_import_reads(admin) -> None:
    answer = admin.get("/admin/directory/import/template.xlsx")
    book = load_workbook(io.BytesIO(answer.data))
    assert answer.status_code == 200 and book.sheetnames == ["人员", "部门"]
    assert [c.value for c in book["人员"][1]][:5] == ["姓名", "部门", "职务", "浙政钉账号ID", "角色"]


def test_a_correct_sheet_adds_a_department_and_its_people(admin) -> None:
    sheet = _book(
        [["钱敏", "宁波市文化广电旅游局", "办公室经办人", "200001", "部门经办人", "是", ""],
         ["孙浩", OFFICE, "职能处经办人", "200002", "编办经办人", "是", ""]],
        [["宁波市文化广电旅游局", "市政府工作部门", "", ""]],
    )  # fmt: skip
    answer = admin.upload(sheet)
    assert answer.status_code == 200 and "部门 1 个，人员 2 人" in answer.get_data(as_text=True)
    with admin.runtime.db.transaction() as session:
        person = session.query(Person).filter_by(zwd_account_id="200001").one()
        department = session.get(Department, person.department_code)
        assert person.roles == ["dept_clerk"] and department.name == "宁波市文化广电旅游局"


def test_every_wrong_row_is_named_and_nothing_is_imported(admin) -> None:
    sheet = _book(
        [["钱敏", "宁波市不存在局", "", "200001", "部门经办人", "是", ""],
         ["", OFFICE, "", "20000x", "科长", "是", ""],
         ["孙浩", "宁波市市场监督管理局", "", "200003", "编办经办人", "也许", ""],
         ["赵六", OFFICE, "", "200004", "编办经办人", "是", ""],
         ["赵七", OFFICE, "", "200004", "编办经办人", "是", ""]],
    )  # fmt: skip
    answer = admin.upload(sheet)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "未导入" in page
    assert "“人员”表第2行：部门“宁波市不存在局”不在本辖区的目录中" in page
    assert (
        "“人员”表第3行：姓名必填" in page
        and "浙政钉账号ID“20000x”应为数字" in page
        and "角色“科长”不存在" in page
    )
    assert "“人员”表第4行：在职应填“是”或“否”" in page and "编办的角色只能授予编办的人员" in page
    assert "“人员”表第6行：浙政钉账号ID 200004 与第5行重复" in page
    with admin.runtime.db.transaction() as session:
        assert session.query(Person).filter_by(zwd_account_id="200004").count() == 0  # not even row 5


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(admin) -> None:
    answer = admin.upload(b"not a workbook")
    assert answer.status_code == 422 and "不是有效的 Excel 工作簿" in answer.get_data(as_text=True)


def test_a_person_marked_as_left_loses_access_at_once(admin) -> None:
    answer = admin.upload(
        _book([["周婷", "宁波市市场监督管理局", "办公室经办人", "100007", "部门经办人", "否", ""]])
    )
    assert answer.status_code == 200
    with admin.runtime.db.transaction() as session:
        assert session.get(Person, "scjg.clerk").active is False  # matched by the 浙政钉 account


def test_the_demo_seed_refuses_a_production_database(tmp_path) -> None:
    production = {
        "DM_ENV": "production",
        "DM_SECRET_KEY": "q3V8-kLm2Zp9Rt5Yw1Xc7Nb4Hg6Jd0Fs8Ae",
        "INTAKE_DATABASE_URL": "postgresql+psycopg://dm@db.invalid/intake",  # never reached
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "DM_PUBLIC_BASE_URL": "https://zzgl.nbbb.gov.cn",
        "ZWD_BASE_URL": "https://openplatform-pro.ding.zj.gov.cn",
        "ZWD_APP_KEY": "zzgl-app",
        "ZWD_APP_SECRET": "a-real-secret-from-the-platform",
        "ZWD_TENANT_ID": "50000123",
        "ZWD_JSAPI_URL": "https://zzgl.nbbb.gov.cn/static/zwd/jsapi.js",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.intake.cli", "seed"],
        env={"PATH": "/usr/bin:/bin", "DM_VAR_DIR": str(tmp_path), **production},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "演示通讯录" in done.stderr and "Traceback" not in done.stderr
