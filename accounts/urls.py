from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("authors/<str:username>/", views.author, name="author"),
]
