"""Every link devolution sends to a person (the application under review, 第三十四条; the power-list change)
starts with the public address people open (``DM_PUBLIC_BASE_URL``), never the service's internal URL."""

from __future__ import annotations

from devolution_factories import complete_application, sent

from shared.contracts import NOTIFY_SEND

PUBLIC = "https://zzgl.nbbb.gov.cn"


def test_links_in_devolution_notices_start_with_the_public_address(devolution, auth) -> None:
    from services.devolution.app import create_app

    devolution.settings = devolution.settings.with_overrides(
        public_base_url=PUBLIC,
        service_urls={**devolution.settings.service_urls, "devolution": "http://10.0.0.11:8003"},
    )
    client = create_app(runtime=devolution).test_client()
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth("scjg.clerk"))
    client.post(f"/api/v1/devolutions/{created.get_json()['id']}/submission", headers=auth("scjg.clerk"))
    notices = sent(devolution, NOTIFY_SEND)
    assert notices
    for notice in notices:
        assert notice["link"].startswith(f"{PUBLIC}/") and notice["case"]["url"].startswith(f"{PUBLIC}/")
