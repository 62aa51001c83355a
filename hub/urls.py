from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Health Hub editorial"
admin.site.site_title = "Health Hub editorial"
admin.site.index_title = "Editorial work"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("articles.urls")),
]

handler404 = "hub.views.page_not_found"
handler500 = "hub.views.server_error"
