from django.urls import path

from chatbot.api.views import ChatStreamView, ChatView, SuggestionsView

urlpatterns = [
    path("chatbot/", ChatView.as_view(), name="chatbot"),
    path("chatbot/stream/", ChatStreamView.as_view(), name="chatbot-stream"),
    path("chatbot/suggestions/", SuggestionsView.as_view(), name="chatbot-suggestions"),
]
