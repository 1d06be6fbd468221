"""The JSON API: one NinjaAPI, a router per app. OpenAPI schema at /api/openapi.json."""

from ninja import NinjaAPI

from communard.web.core.database_faults import DATABASE_FAULTS, ninja_fault
from communard.web.elections.api import router as elections_router

api = NinjaAPI(title="Communard", version="1", urls_namespace="api")
api.add_router("/elections/", elections_router)
# Ninja handles its views' exceptions itself (a 500, or a traceback under DEBUG): a database
# that cannot be reached is a JSON 503 with Retry-After instead (core/database_faults.py).
for fault in DATABASE_FAULTS:
    api.add_exception_handler(fault, ninja_fault)
