from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.records.models import Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "kind", "at", "actor"]
    list_filter = ["kind"]
    show_full_result_count = False
