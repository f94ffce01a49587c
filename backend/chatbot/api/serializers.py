from __future__ import annotations

from rest_framework import serializers

MAX_MESSAGE_CHARS = 2000


class ChatRequestSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=True)
    conversation_id = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$", required=False, allow_null=True)
    paper_id = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=False)


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
