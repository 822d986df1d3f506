"""The office leaders' approval inbox (审批) and its mobile pages, inside the intake service.

Why here and not in a service of its own: intake is the suite's front door. It owns the directory — the
people, their roles (处室负责人, 分管领导, 主任), their jurisdictions and their 浙政钉 accounts — which is
exactly what an approval chain is resolved against and what 免登 maps an ``accountId`` to; and it already
serves the people who log in from the government app, so the mobile pages live behind the same login. Other
services (devolution) reach the inbox only over the ``intake`` queue (``approval.request`` /
``approval.recall``) and hear back on their own queue (``approval.decided``); see docs/approvals.md.

Layout: ``domain/`` (pure rules: chains, decisions, delegation, recall, working days left), ``models.py``
(tables), ``service.py`` (use cases, one unit of work each), ``notices.py`` (what the inbox tells others),
``calendar_client.py`` (the deadlines calendar over HTTP), ``handlers.py`` (queue entrypoints), ``api.py``
(JSON), ``mobile.py`` + ``session.py`` + ``zwd_login.py`` (phone pages, cookie session, 免登).
"""
