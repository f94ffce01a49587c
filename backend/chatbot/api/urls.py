from django.urls import path

from chatbot.api.views import ChatView

urlpatterns = [path("chatbot/", ChatView.as_view(), name="chatbot")]
