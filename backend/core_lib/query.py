"""Query parameters read through a serializer: what the schema says is what the code accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class QuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A query string's serializer in which ``?name=`` is an empty value, not an absent parameter.

    DRF reads form data, where an empty field means "not given"; a query parameter that is present
    but empty is a value, and for a field that allows no blank (``minLength: 1``, an enum) an
    invalid one, refused with 422 as the schema says.
    """

    def to_internal_value(self, data: Mapping[str, Any]) -> Any:
        blank = {
            name: ["This field may not be blank."]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)
