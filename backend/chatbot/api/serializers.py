from __future__ import annotations

from rest_framework import serializers

from portfolio_shared.text import strip_control_characters

MAX_MESSAGE_CHARS = 2000


class ChatRequestSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=True)
    conversation_id = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$", required=False, allow_null=True)
    paper_id = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=False)

    def validate_message(self, value: str) -> str:
        # What is searched is text: a message of control characters alone asks nothing (a 422, not
        # a search the document processor refuses).
        cleaned = strip_control_characters(value).strip()
        if not cleaned:
            raise serializers.ValidationError("The message holds no text.")
        return cleaned


class CitationSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    source_type = serializers.CharField(allow_null=True, help_text="pdf, github, text, or paper (abstract)")
    page = serializers.IntegerField(allow_null=True)
    snippet = serializers.CharField()
    score = serializers.FloatField()


class ChatResponseSerializer(serializers.Serializer):
    answer = serializers.CharField()
    citations = CitationSerializer(many=True)
    mode = serializers.ChoiceField(choices=["extractive", "generative"])
    conversation_id = serializers.CharField()
    follow_ups = serializers.ListField(
        child=serializers.CharField(),
        help_text="Two questions to ask next, computed from what the answer cited.",
    )


class ChatStreamEventSerializer(serializers.Serializer):
    """One server-sent event of ``POST /api/chatbot/stream/`` as a client parses it: its name and
    its one ``data:`` line, a JSON document whose shape the name decides (see the operation)."""

    event = serializers.ChoiceField(choices=["sentence", "token", "done", "error"])
    data = serializers.CharField(
        help_text="JSON. sentence/token: {text}; done: the ChatResponse; error: {error (the error "
        "envelope's body: code, message, details), status (the HTTP status it stands for)}."
    )


class StarterSerializer(serializers.Serializer):
    question = serializers.CharField()
    kind = serializers.ChoiceField(choices=["project", "journey", "paper"])


class SuggestionsSerializer(serializers.Serializer):
    starters = StarterSerializer(many=True)
