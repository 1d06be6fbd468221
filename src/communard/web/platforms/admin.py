from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.platforms.models import Platform


@admin.register(Platform)
class PlatformAdmin(ReadOnlyAdmin):
    list_display = ["name", "federation"]
    exclude = ["members"]
