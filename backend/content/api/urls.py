from django.urls import URLPattern, URLResolver, path

from content.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("tech-stack/", views.TechStackListView.as_view(), name="tech-stack"),
    path("journey/", views.JourneyListView.as_view(), name="journey"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<slug:slug>/", views.ProjectDetailView.as_view(), name="project-detail"),
]
