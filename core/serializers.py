from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import serializers

from core.models import Job, Membership, Project


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["project", "project_name", "role"]


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "memberships"]


class ProjectMemberSerializer(serializers.ModelSerializer[Membership]):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "role"]


class ProjectSerializer(serializers.ModelSerializer[Project]):
    class Meta:
        model = Project
        fields = ["slug", "name", "description", "created_at"]


class ProjectDetailSerializer(ProjectSerializer):
    role = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "role", "members"]

    def get_role(self, project: Project) -> str:
        return str(self.context["membership"].role)

    def get_members(self, project: Project) -> list[dict[str, str]]:
        members = self.context["members"]
        return list(ProjectMemberSerializer(members, many=True).data)


class JobSerializer(serializers.ModelSerializer[Job]):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    started_by = serializers.CharField(
        source="started_by.username", read_only=True, allow_null=True, default=None
    )
    percent = serializers.IntegerField(read_only=True, allow_null=True)
    error_detail = serializers.SerializerMethodField(
        help_text="An unexpected error's traceback; empty unless the caller is staff."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "project",
            "started_by",
            "progress_done",
            "progress_total",
            "percent",
            "message",
            "error_report",
            "error_detail",
            "result",
            "attempts",
            "cancel_requested",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_error_detail(self, job: Job) -> str:
        # Tracebacks name files and code; only staff (who may read them in the admin too) see them.
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return job.error_detail if user is not None and user.is_staff else ""


class TokenObtainSerializer(serializers.Serializer[None]):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class TokenObtainedSerializer(serializers.Serializer[None]):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>`. It is shown only in this answer."
    )
    expires_at = serializers.DateTimeField(help_text="After this the token is refused (401).")
