from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.councils.models import Council, Delegate, Federation, OfficeHolder


@admin.register(Federation)
class FederationAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "time_zone"]


@admin.register(Council)
class CouncilAdmin(ReadOnlyAdmin):
    list_display = ["name", "tier", "parent", "members_count", "seats_in_parent"]
    list_filter = ["federation", "tier"]
    search_fields = ["name", "key"]


@admin.register(Delegate)
class DelegateAdmin(ReadOnlyAdmin):
    list_display = ["member", "constituency", "council", "began_at", "ended_at", "source"]
    list_filter = ["council"]


@admin.register(OfficeHolder)
class OfficeHolderAdmin(ReadOnlyAdmin):
    list_display = ["office", "council", "member", "began_at", "ended_at", "source"]
