"""The OpenAPI schema's settings (drf-spectacular): its description and the names of its enums."""

from __future__ import annotations

SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": (
        "Clinical review of synthetic counseling dialogues. Authenticate with a session cookie "
        "or with `Authorization: Token <key>` (obtain one at /api/auth/token/ or on the API "
        "tokens page). Tokens expire (API_TOKEN_TTL_DAYS, 30 days by default) and a password "
        "change revokes them."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; each gets its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "core.models.Job.Status",
        "RubricStatusEnum": "rubrics.models.Rubric.Status",
        "ImportBatchStatusEnum": "dialogues.models.ImportBatch.Status",
        "FlagStatusEnum": "dialogues.models.Flag.Status",
        "FlagKindEnum": "dialogues.models.Flag.Kind",
        "ItemStatusEnum": "review.models.Item.Status",
        "AssignmentStatusEnum": "review.models.Assignment.Status",
        "ReviewStatusEnum": "review.models.Review.Status",
        "PairChoiceEnum": "review.models.Choice",
        "ScreenChoiceEnum": "review.api.serializers.SIDE_CHOICES",
        "ItemKindEnum": "review.models.Item.Kind",
        "ExportKindEnum": "exports.models.ExportKindChoice",
        "ExportVersionStatusEnum": "exports.models.ExportVersion.Status",
        "SessionLanguageEnum": "dialogues.models.Language",
        "JudgeLanguageEnum": "review.models.judges.JudgeLanguage",
    },
}
