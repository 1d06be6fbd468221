"""Logins in the admin: read-only. Django's user admin would let an operator set any member's
password and vote as them, or make operators with no record entry; it is replaced."""

from __future__ import annotations

import django.contrib.auth.admin  # noqa: F401  (registers User and Group first, to replace them)
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from communard.web.core.admin import ReadOnlyAdmin

admin.site.unregister(get_user_model())
admin.site.unregister(Group)  # permissions by group are not how powers are given here


@admin.register(get_user_model())
class LoginAdmin(ReadOnlyAdmin):
    list_display = ["username", "is_staff", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff"]
    search_fields = ["username"]
    fields = ["username", "is_staff", "is_superuser", "is_active", "last_login", "date_joined"]
    show_full_result_count = False
