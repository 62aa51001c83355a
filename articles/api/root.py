"""The API's root: one NinjaAPI, each resource's router mounted under /api/v1/."""

from ninja import NinjaAPI

from .changes import router as changes_router

api = NinjaAPI(title="Health Hub API", version="1", urls_namespace="api-v1")
api.add_router("/changes", changes_router)
