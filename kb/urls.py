from django.urls import path

from . import views

app_name = "kb"

urlpatterns = [
    path("kb/", views.index, name="index"),
    path("kb/articles/<slug:slug>/", views.article, name="article"),
    path("kb/articles/<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("kb/suggest/", views.suggest, name="suggest"),
    path("kb/manage/", views.manage, name="manage"),
    path("kb/manage/new/", views.manage_new, name="manage_new"),
    path("kb/manage/picker/", views.picker, name="picker"),
    path("kb/manage/<int:article_id>/", views.manage_edit, name="manage_edit"),
    path("kb/manage/<int:article_id>/publish/", views.manage_publish, name="manage_publish"),
]
