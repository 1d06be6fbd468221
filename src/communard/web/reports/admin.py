from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.reports.models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "delegate", "version", "filed_at"]
