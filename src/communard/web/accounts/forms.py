from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordChangeForm


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (current password, new one twice, the validators), saved by the action."""

    def save(self, commit: bool = True) -> Any:
        from communard.web.accounts.actions import actor_for, do_set_own_password

        do_set_own_password(
            self.user, password=self.cleaned_data["new_password1"], actor=actor_for(self.user)
        )
        self.user.refresh_from_db(fields=["password"])
        return self.user
