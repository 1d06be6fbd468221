"""The JSON API: one NinjaAPI, a router per app. OpenAPI schema at /api/openapi.json."""

from ninja import NinjaAPI

from communard.web.elections.api import router as elections_router

api = NinjaAPI(title="Communard", version="1", urls_namespace="api")
api.add_router("/elections/", elections_router)
