from django.contrib import admin

from stageflow.accounts.models import Account, AccountContact, Contact


class AccountContactInline(admin.TabularInline):
    model = AccountContact
    extra = 0
    raw_id_fields = ("contact", "account")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "customer_status", "parent", "owner", "office")
    list_filter = ("customer_status", "office")
    search_fields = ("name", "email", "phone")
    raw_id_fields = ("parent", "owner", "created_by")
    inlines = [AccountContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "email", "phone", "owner", "office")
    list_filter = ("office",)
    search_fields = ("last_name", "first_name", "email", "phone")
    raw_id_fields = ("owner", "created_by")
