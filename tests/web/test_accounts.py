"""Logins below the pages: no operator path sets a member's password, makes a login or an
operator without a record entry, or changes a login's powers; operators' sign-ins are recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from communard.constitution.permissions import MemberActor, NotAllowed, OperatorActor
from communard.web.accounts.actions import do_create_member_account, do_set_own_password
from communard.web.accounts.guard import LoginChangeRefused
from communard.web.members.models import Member
from communard.web.records.models import Entry
from tests.web.factories import (
    member_login,
    operator_login,
    recorded,
    small_federation,
    verify_output,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-x"


@pytest.fixture
def ada(tmp_path: Path) -> User:
    """A member (number 1) with her login ``ada``."""
    small_federation(tmp_path, {"w1": 3, "w2": 1, "w3": 1})
    user: User = member_login(Member.objects.get(number="1"), "ada", PASSWORD)
    return user


def kinds() -> list[str]:
    return list(recorded().order_by("index").values_list("kind", flat=True))


def test_the_shell_cannot_make_a_login() -> None:
    """``create_user`` and ``create_superuser`` from a shell are refused: no row, no entry."""
    with pytest.raises(LoginChangeRefused):
        User.objects.create_user("mallory", password=PASSWORD)
    with pytest.raises(LoginChangeRefused):
        User.objects.create_superuser("mallory", password=PASSWORD)
    assert not User.objects.filter(username="mallory").exists()


def test_the_shell_cannot_set_a_member_s_password(ada: User) -> None:
    """The capture this prevents: an operator setting a member's password to vote as them."""
    before = User.objects.get(pk=ada.pk).password
    ada.set_password("operator-knows-this-1")
    with pytest.raises(LoginChangeRefused, match="only by the one who signs in"):
        ada.save()
    assert User.objects.get(pk=ada.pk).password == before
    assert not Client().login(username="ada", password="operator-knows-this-1")


@pytest.mark.parametrize("field", ["is_staff", "is_superuser", "is_active"])
def test_the_shell_cannot_change_a_login_s_powers(ada: User, field: str) -> None:
    setattr(ada, field, not getattr(ada, field))
    with pytest.raises(LoginChangeRefused, match=field):
        ada.save()
    assert getattr(User.objects.get(pk=ada.pk), field) == (field == "is_active")


def test_a_login_is_never_deleted(ada: User) -> None:
    with pytest.raises(LoginChangeRefused), transaction.atomic():
        ada.delete()
    with pytest.raises(LoginChangeRefused), transaction.atomic():
        User.objects.filter(pk=ada.pk).delete()
    assert User.objects.filter(pk=ada.pk).exists()


def test_a_member_keeps_their_one_login(ada: User) -> None:
    """A second login made by an operator for a member who has one is refused, with the
    reason; the member's login is unchanged."""
    with pytest.raises(NotAllowed, match="already has a login"):
        do_create_member_account(Member.objects.get(number="1"), username="ada2",
                                 password=PASSWORD, actor=OperatorActor("op"))
    assert not User.objects.filter(username="ada2").exists()


def test_an_operator_action_cannot_set_a_member_s_password(ada: User) -> None:
    with pytest.raises(NotAllowed, match="only by that member"):
        do_set_own_password(ada, password="operator-knows-this-1", actor=OperatorActor("op"))
    assert Client().login(username="ada", password=PASSWORD)


def test_a_member_sets_their_own_password_on_their_page(ada: User) -> None:
    """The password page sets it through the action: recorded (as a commitment), the session
    stays signed in, the new password works."""
    client = Client()
    assert client.login(username="ada", password=PASSWORD)
    r = client.post("/password/", {"old_password": PASSWORD, "new_password1": "a-new-pw-4567",
                                   "new_password2": "a-new-pw-4567"})
    assert r.status_code == 302 and r["Location"] == "/password/changed/"
    assert client.get("/me/").status_code == 200
    assert Client().login(username="ada", password="a-new-pw-4567")
    entry = recorded().get(kind="member.password_set")
    body = entry.parsed()["body"]
    assert set(body) == {"federation", "member", "credential"} and '"ada"' not in entry.data


def test_a_wrong_current_password_changes_nothing(ada: User) -> None:
    client = Client()
    assert client.login(username="ada", password=PASSWORD)
    before = User.objects.get(pk=ada.pk).password
    r = client.post("/password/", {"old_password": "wrong-one-123", "new_password1": "a-new-pw-4567",
                                   "new_password2": "a-new-pw-4567"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert User.objects.get(pk=ada.pk).password == before
    assert "member.password_set" not in kinds()


def test_createsuperuser_makes_an_operator_on_the_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's command is replaced: the operator and who made them are on the record."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("createsuperuser", "--noinput", "--username", "op", "--by", "installer",
                 stdout=out)
    assert User.objects.get(username="op").is_superuser
    entry = recorded().get(kind="operator.created.v2")
    assert entry.parsed()["body"]["username"] == "op" and entry.actor == "operator:installer"
    with pytest.raises(CommandError, match="exists already"):
        call_command("createsuperuser", "--noinput", "--username", "op")


def test_changepassword_refuses_a_member_s_login(ada: User) -> None:
    before = User.objects.get(pk=ada.pk).password
    with pytest.raises(CommandError, match="member's login"):
        call_command("changepassword", "ada")
    assert User.objects.get(pk=ada.pk).password == before


def test_the_admin_offers_no_way_to_make_or_change_logins(ada: User) -> None:
    operator_login("op", PASSWORD)
    client = Client()
    assert client.login(username="op", password=PASSWORD)
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/auth/user/add/").status_code == 403
    before = User.objects.get(pk=ada.pk).password
    r = client.post(f"/admin/auth/user/{ada.pk}/password/",
                    {"password1": "x-9876543-y", "password2": "x-9876543-y"}, follow=True)
    assert "x-9876543-y" not in r.content.decode()
    assert User.objects.get(pk=ada.pk).password == before
    assert client.post(f"/admin/auth/user/{ada.pk}/change/", {"is_staff": "on"}).status_code == 403
    assert client.get("/admin/auth/group/").status_code == 404
    assert client.get("/admin/password_change/")["Location"] == "/password/"
    assert Client().login(username="ada", password=PASSWORD)
    assert not User.objects.get(pk=ada.pk).is_staff


def test_operator_sign_ins_are_recorded_and_members_are_not(ada: User) -> None:
    operator_login("op", PASSWORD)
    assert Client().login(username="ada", password=PASSWORD)
    assert "operator.signed_in" not in kinds()
    assert Client().login(username="op", password=PASSWORD)
    entry = recorded().get(kind="operator.signed_in")
    assert entry.parsed()["body"] == {"username": "op"} and entry.actor == "operator:op"


def test_an_operator_sets_their_own_password(ada: User) -> None:
    op = operator_login("op", PASSWORD)
    do_set_own_password(op, password="a-new-pw-4567", actor=OperatorActor("op"))
    assert Client().login(username="op", password="a-new-pw-4567")
    assert recorded().get(kind="operator.password_set").parsed()["body"]["username"] == "op"
    with pytest.raises(NotAllowed):
        do_set_own_password(op, password="x-9876543-y", actor=MemberActor("op"))
    assert Entry.objects.filter(kind="operator.password_set").count() == 1


# --------------------------------------------------------------------- verify audits the logins


def test_verify_finds_logins_as_recorded(ada: User, capsys: pytest.CaptureFixture[str]) -> None:
    operator_login("op", PASSWORD)
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_verify_names_a_password_replaced_with_sql(
    ada: User, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past the guard with ``QuerySet.update`` (one plain UPDATE): verify names the login and
    the entry that recorded its password."""
    created = recorded().get(kind="member.account_created.v2").index
    User.objects.filter(pk=ada.pk).update(password=make_password("operator-knows-this-1"))
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"state diverges from the record (entry #{created}): auth_user id={ada.pk} (ada): "
            "its password hash is not the one last set on the record") in out


def test_verify_names_logins_and_operators_made_with_sql(
    ada: User, capsys: pytest.CaptureFixture[str]
) -> None:
    """``bulk_create`` skips the guard: an operator, a member's login and a stray login made so
    are each named, and the member's real login, swapped out, no longer matches."""
    op, stray, fake = User.objects.bulk_create([
        User(username="boss", is_staff=True, is_superuser=True, password=make_password("b-1234567")),
        User(username="stray", password=make_password("s-1234567")),
        User(username="fake", password=make_password("f-1234567")),
    ])
    Member.objects.filter(number="2").update(user=fake)
    status, out = verify_output(capsys)
    assert status == 1
    assert f"no entry): auth_user id={op.pk} (boss): an operator no operator.created" in out
    assert f"no entry): auth_user id={stray.pk} (stray): a login of no member" in out
    assert (f"no entry): auth_user id={fake.pk} (fake): member 2 of test holds a login no "
            "member.account_created made") in out
    assert "(ada)" not in out
