from django.urls import path

from stageflow.web.billing import views

app_name = "billing"

urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/tab/<str:kind>/<int:record_id>/", views.order_panel, name="order_panel"),
    path("orders/tab/<str:kind>/<int:record_id>/new/", views.order_create,
         name="order_create"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:order_id>/print/", views.order_print, name="order_print"),
    path("orders/<int:order_id>/pdf/", views.order_pdf, name="order_pdf"),
    path("orders/<int:order_id>/<str:action>/", views.order_status, name="order_status"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/tab/<str:kind>/<int:record_id>/", views.invoice_panel,
         name="invoice_panel"),
    path("invoices/tab/<str:kind>/<int:record_id>/new/", views.invoice_create,
         name="invoice_create"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<int:invoice_id>/print/", views.invoice_print, name="invoice_print"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
