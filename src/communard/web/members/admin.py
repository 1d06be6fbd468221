from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.members.models import Member, MembershipEvent


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "council", "admitted_on", "status"]
    list_filter = ["status", "federation"]
    search_fields = ["number", "name", "email"]
    list_select_related = ["council"]
    show_full_result_count = False


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "on", "council"]
    list_filter = ["kind"]
    list_select_related = ["member", "council"]
    show_full_result_count = False
