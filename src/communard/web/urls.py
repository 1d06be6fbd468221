from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from communard.web.councils import views as councils
from communard.web.members import views as members

urlpatterns = [
    path("", councils.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", members.me, name="me"),
    path("f/<slug:slug>/", councils.federation_page, name="federation"),
    path("f/<slug:slug>/c/<slug:key>/", councils.council_page, name="council"),
    path("record/", include("communard.web.records.urls")),
    path("admin/", admin.site.urls),
]
