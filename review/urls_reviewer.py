"""Pages of the review app: the reviewer part (included by review/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from review.views import reviewer as views

item = "<slug:slug>/items/<int:item_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("<slug:slug>/next/", views.item_next, name="item_next"),
    path("<slug:slug>/mine/", views.my_work, name="my_work"),
    path(item, views.item_page, name="item"),
    path(f"{item}draft/", views.item_draft, name="item_draft"),
    path(f"{item}submit/", views.item_submit, name="item_submit"),
    path(f"{item}edit/", views.item_edit, name="item_edit"),
    path(f"{item}skip/", views.item_skip, name="item_skip"),
    path(f"{item}rewrite/", views.item_rewrite, name="item_rewrite"),
    path(f"{item}finish/", views.item_finish, name="item_finish"),
]
