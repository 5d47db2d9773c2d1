"""Quotes screens: /estimates/, /price-book/ and the client's /q/<token>."""

from django.urls import path

from stageflow.web.quotes import public_views, views

app_name = "quotes"

urlpatterns = [
    path("estimates/", views.estimate_list, name="list"),
    path("estimates/new/", views.estimate_create, name="create"),
    path("estimates/tab/<str:kind>/<int:record_id>/", views.panel, name="panel"),
    path("estimates/<int:estimate_id>/", views.estimate_detail, name="estimate"),
    path("estimates/<int:estimate_id>/edit/", views.estimate_edit, name="edit"),
    path("estimates/<int:estimate_id>/lines/add/", views.line_add, name="line_add"),
    path("estimates/<int:estimate_id>/lines/<int:index>/", views.line_change,
         name="line_change"),
    path("estimates/<int:estimate_id>/lines/<int:index>/remove/", views.line_remove,
         name="line_remove"),
    path("estimates/<int:estimate_id>/picker/", views.picker, name="picker"),
    path("estimates/<int:estimate_id>/select/", views.estimate_select, name="select"),
    path("estimates/<int:estimate_id>/duplicate/", views.estimate_duplicate, name="duplicate"),
    path("estimates/<int:estimate_id>/reopen/", views.estimate_reopen, name="reopen"),
    path("estimates/<int:estimate_id>/send/", views.estimate_send, name="send"),
    path("estimates/<int:estimate_id>/mark/", views.estimate_mark, name="mark"),
    path("estimates/<int:estimate_id>/links/<int:link_id>/revoke/", views.link_revoke,
         name="link_revoke"),
    path("estimates/<int:estimate_id>/delete/", views.estimate_delete, name="delete"),
    path("estimates/<int:estimate_id>/print/", views.estimate_print, name="print"),
    path("estimates/<int:estimate_id>/pdf/", views.estimate_pdf, name="pdf"),
    path("price-book/", views.price_book, name="price_book"),
    path("price-book/new/", views.price_book_item_create, name="price_book_create"),
    path("price-book/import/", views.price_book_import_page, name="price_book_import"),
    path("price-book/<int:item_id>/", views.price_book_item_edit, name="price_book_edit"),
    path("price-book/<int:item_id>/active/", views.price_book_item_active,
         name="price_book_active"),
    path("q/<str:token>", public_views.quote, name="public"),
    path("q/<str:token>/accept", public_views.accept, name="public_accept"),
    path("q/<str:token>/decline", public_views.decline, name="public_decline"),
]
