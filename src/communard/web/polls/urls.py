from django.urls import path

from communard.web.polls import tellers, views

urlpatterns = [
    path("<int:poll_id>/", views.poll_page, name="poll"),
    path("<int:poll_id>/vote/", views.vote, name="poll_vote"),
    path("<int:poll_id>/box.blt", views.box_blt, name="poll_box_blt"),
    path("<int:poll_id>/box.csv", views.box_csv, name="poll_box_csv"),
    path("<int:poll_id>/track/", views.track, name="poll_track"),
    path("<int:poll_id>/tellers/", tellers.tellers_page, name="poll_tellers"),
    path("<int:poll_id>/tellers/name/", tellers.name_teller_page, name="poll_name_teller"),
    path("tellers/key/", tellers.teller_key_page, name="teller_key"),
]
