"""The password page, for members and operators alike: the holder sets their own."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from communard.web.accounts.forms import OwnPasswordChangeForm

password_change = auth_views.PasswordChangeView.as_view(
    form_class=OwnPasswordChangeForm,
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("password_changed"),
)
password_changed = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_changed.html"
)
