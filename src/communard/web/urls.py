from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from communard.web.accounts import views as accounts
from communard.web.api import api
from communard.web.councils import views as councils
from communard.web.elections import views as elections
from communard.web.members import views as members

urlpatterns = [
    path("", councils.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", members.me, name="me"),
    path("password/", accounts.password_change, name="password_change"),
    path("password/changed/", accounts.password_changed, name="password_changed"),
    path("f/<slug:slug>/", councils.federation_page, name="federation"),
    path("f/<slug:slug>/c/<slug:key>/", councils.council_page, name="council"),
    path("f/<slug:slug>/elections/", elections.election_list, name="elections"),
    path("e/<int:election_id>/", elections.election_page, name="election"),
    path("e/<int:election_id>/nominate/", elections.nominate, name="nominate"),
    path("e/<int:election_id>/vote/", elections.vote, name="vote"),
    path("e/<int:election_id>/box.blt", elections.box_blt, name="box_blt"),
    path("e/<int:election_id>/box.csv", elections.box_csv, name="box_csv"),
    path("e/<int:election_id>/track/", elections.track, name="track"),
    path("p/", include("communard.web.polls.urls")),
    path("api/", api.urls),
    path("record/", include("communard.web.records.urls")),
    # The admin's own password form would save without the action that records the change.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
]
