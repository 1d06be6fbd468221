from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from communard.web.accounts import views as accounts
from communard.web.api import api
from communard.web.councils import views as councils
from communard.web.elections import views as elections
from communard.web.meetings import views as meetings
from communard.web.meetings.recall_page import put_recall
from communard.web.members import views as members
from communard.web.recalls import views as recalls
from communard.web.recalls.ballot import recall_ballot
from communard.web.reports import views as reports

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
    path("f/<slug:slug>/c/<slug:key>/meetings/", meetings.council_meetings,
         name="council_meetings"),
    path("f/<slug:slug>/c/<slug:key>/meetings/call/", meetings.call, name="call_meeting"),
    path("f/<slug:slug>/c/<slug:key>/motions/submit/", meetings.submit_motion,
         name="submit_motion"),
    path("meetings/<int:meeting_id>/", meetings.meeting_page, name="meeting"),
    path("meetings/<int:meeting_id>/put-recall/", put_recall, name="meeting_put_recall"),
    path("meetings/<int:meeting_id>/<slug:what>/", meetings.meeting_act, name="meeting_act"),
    path("motions/<int:motion_id>/", meetings.motion_page, name="motion"),
    path("motions/<int:motion_id>/<slug:what>/", meetings.motion_act, name="motion_act"),
    path("delegates/<int:delegate_id>/scorecard/", meetings.scorecard_page, name="scorecard"),
    path("reports/<int:meeting_id>/<int:delegate_id>/", reports.report_page, name="report"),
    path("reports/<int:meeting_id>/<int:delegate_id>/file/", reports.file_report,
         name="file_report"),
    path("petitions/<int:petition_id>/", recalls.petition_page, name="petition"),
    path("petitions/<int:petition_id>/sign/", recalls.sign, name="petition_sign"),
    path("petitions/<int:petition_id>/withdraw/", recalls.withdraw, name="petition_withdraw"),
    path("petitions/<int:petition_id>/stand/", recalls.stand, name="petition_stand"),
    path("petitions/<int:petition_id>/ballot/", recall_ballot, name="recall_ballot"),
    path("recall/<int:delegate_id>/", recalls.open_petition, name="open_petition"),
    path("p/", include("communard.web.polls.urls")),
    path("api/", api.urls),
    path("record/", include("communard.web.records.urls")),
    # The admin's own password form would save without the action that records the change.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
]
