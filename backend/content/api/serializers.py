"""Read shapes of the portfolio content. Media URLs are absolute (built from the request)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.models import JourneyEntry, Profile, Project, TechStack


class LinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    label = serializers.CharField()
    url = serializers.URLField()


class ProfileSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    links = LinkSerializer(many=True, read_only=True)
    bio_html = serializers.CharField(read_only=True, help_text="The bio rendered from Markdown, sanitised.")

    class Meta:
        model = Profile
        fields = ("name", "headline", "bio", "bio_html", "photo", "location", "links", "cv", "updated_at")
        read_only_fields = fields


class TechStackSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TechStack
        fields = ("id", "name", "slug", "category", "proficiency", "icon", "order")
        read_only_fields = fields


class JourneyEntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    description_html = serializers.CharField(read_only=True)
    current = serializers.SerializerMethodField(help_text="True while the entry has no end date.")

    class Meta:
        model = JourneyEntry
        fields = (
            "id",
            "kind",
            "title",
            "organisation",
            "start",
            "end",
            "current",
            "description",
            "description_html",
            "order",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_current(self, entry: JourneyEntry) -> bool:
        return entry.end is None


class ProjectTechnologySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TechStack
        fields = ("name", "slug", "category", "icon")
        read_only_fields = fields


class OptionalURLField(serializers.URLField):
    """A URL the model may leave blank: ``null`` then, never ``""`` (which is no ``uri``)."""

    def to_representation(self, value: str) -> str | None:
        return value or None


class ProjectListSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    technologies = ProjectTechnologySerializer(many=True, read_only=True)
    repository_url = OptionalURLField(read_only=True, allow_null=True, help_text="null when there is none.")
    demo_url = OptionalURLField(read_only=True, allow_null=True, help_text="null when there is none.")

    class Meta:
        model = Project
        fields = (
            "slug",
            "title",
            "summary",
            "image",
            "technologies",
            "repository_url",
            "demo_url",
            "featured",
            "order",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ProjectDetailSerializer(ProjectListSerializer):
    body_html = serializers.CharField(read_only=True, help_text="The body rendered from Markdown, sanitised.")

    class Meta(ProjectListSerializer.Meta):
        fields = (*ProjectListSerializer.Meta.fields, "body", "body_html")
        read_only_fields = fields
