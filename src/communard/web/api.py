"""The JSON API: one NinjaAPI, a router per app. OpenAPI schema at /api/openapi.json."""

from ninja import NinjaAPI
from ninja.openapi.docs import ABS_TPL_PATH, Swagger

from communard.web.core.database_faults import DATABASE_FAULTS, ninja_fault
from communard.web.elections.api import router as elections_router
from communard.web.meetings import (
    amendment_api,  # noqa: F401  (amendments' votes, issue 17)
    api_recall,  # noqa: F401  (recall at the assembly, issue 15)
    api_steps,  # noqa: F401  (the pages' steps, issue 17)
)
from communard.web.meetings.api import router as meetings_router
from communard.web.polls import (
    early_close_api,  # noqa: F401  (roll calls closed early)
    sealed_api,  # noqa: F401  (adds the sealed polls' operations)
)
from communard.web.polls.api import router as polls_router
from communard.web.recalls import api_ballot as recall_ballot  # noqa: F401  (issue 15)
from communard.web.recalls import api_steps as recall_steps  # noqa: F401  (issue 15)
from communard.web.recalls.api import router as recalls_router
from communard.web.records.public import router as public_router
from communard.web.reports.api import router as reports_router


class SwaggerFromThisSite(Swagger):
    """The docs page (/api/docs) with Swagger UI from this site's static files. Outside
    INSTALLED_APPS (settings: it would slow every command's start) ninja renders the page that
    loads it from a CDN, which the Content-Security-Policy refuses; this renders its local
    page the same way instead (settings find its templates and files)."""

    template_cdn = str(ABS_TPL_PATH / "swagger.html")


api = NinjaAPI(title="Communard", version="1", urls_namespace="api", docs=SwaggerFromThisSite())
api.add_router("/elections/", elections_router)
api.add_router("/", meetings_router)
api.add_router("/recalls/", recalls_router)
api.add_router("/public/", public_router)
api.add_router("/polls/", polls_router)
api.add_router("/", reports_router)
# Ninja handles its views' exceptions itself (a 500, or a traceback under DEBUG): a database
# that cannot be reached is a JSON 503 with Retry-After instead (core/database_faults.py).
for fault in DATABASE_FAULTS:
    api.add_exception_handler(fault, ninja_fault)
