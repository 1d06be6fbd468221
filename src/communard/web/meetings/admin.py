from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.meetings.models import Amendment, Mandate, Meeting, Motion


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "council", "starts_at", "called_at", "closed_at"]


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = ["title", "council", "state", "submitted_at"]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["motion", "paragraph", "amends", "submitted_at"]


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    list_display = ["motion", "constituency", "stance", "binding", "adopted_at"]
