"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import secrets

import factory
from django.contrib.auth import get_user_model

from core.models import Job, Membership, Project, Role

# Every factory-made user's password: random per run (per process, under xdist), so no test
# can lean on a password written down in the repository. Use this name, never a literal.
TEST_PASSWORD = "tests-" + secrets.token_urlsafe(18)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVIEWER


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = "tests.count"
    task_name = "tests.count"
    params = factory.LazyFunction(lambda: {"steps": 3})
    started_by = factory.SubFactory(UserFactory)


def member(project: Project, role: str, username: str | None = None):
    """A user who holds ``role`` in ``project``."""
    user = UserFactory(username=username) if username else UserFactory()
    MembershipFactory(project=project, user=user, role=role)
    return user


NEW_PASSWORD = "another long passphrase 7"


def change_password_on_the_page(client, user):  # type: ignore[no-untyped-def]
    """Sign ``user`` in and change their password to NEW_PASSWORD through the real form."""
    from django.urls import reverse

    client.force_login(user)
    return client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
