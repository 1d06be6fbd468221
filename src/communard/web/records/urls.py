from django.urls import path

from communard.web.records import views

urlpatterns = [
    path("", views.record_page, name="record"),
    path("<int:index>/", views.entry_page, name="record-entry"),
    path("api/key", views.api_key, name="record-api-key"),
    path("api/checkpoint", views.api_checkpoint, name="record-api-checkpoint"),
    path("api/entries", views.api_entries, name="record-api-entries"),
    path("api/proof/inclusion", views.api_inclusion, name="record-api-inclusion"),
    path("api/proof/consistency", views.api_consistency, name="record-api-consistency"),
]
