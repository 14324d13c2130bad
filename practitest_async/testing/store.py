"""The emulator's in-memory store: tables of records, id sequences, links and seed helpers.

Ids come from one sequence per resource type, each in its own range (tests 100001.., sets
200001.., ...), so a client that sends a test id where an instance id belongs gets a 422
instead of silently hitting another record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs

from practitest_async.testing.config import EmulatorConfig, TokenGrant
from practitest_async.testing.permissions import default_group_permissions
from practitest_async.testing.records import (
    Attachment,
    CustomField,
    Group,
    Instance,
    Issue,
    Milestone,
    Project,
    Ref,
    Requirement,
    Run,
    Step,
    StepRun,
    Test,
    TestSet,
    User,
)

ID_BASES = {
    "projects": 1,
    "users": 1,
    "groups": 501,
    "custom-fields": 5001,
    "tests": 100001,
    "steps": 150001,
    "sets": 200001,
    "instances": 300001,
    "runs": 400001,
    "step-runs": 500001,
    "requirements": 600001,
    "issues": 700001,
    "milestones": 800001,
    "attachments": 900001,
}
DEFAULT_GROUPS = ("Administrators", "Developers", "Testers")

R = TypeVar("R")


@attrs.define
class Store:
    """All state of one emulator. Handlers validate first, then call these to change it."""

    clock: Callable[[], float] | None = None
    projects: dict[int, Project] = attrs.Factory(dict)
    users: dict[int, User] = attrs.Factory(dict)
    groups: dict[int, Group] = attrs.Factory(dict)
    custom_fields: dict[int, CustomField] = attrs.Factory(dict)
    tests: dict[int, Test] = attrs.Factory(dict)
    steps: dict[int, Step] = attrs.Factory(dict)
    sets: dict[int, TestSet] = attrs.Factory(dict)
    instances: dict[int, Instance] = attrs.Factory(dict)
    runs: dict[int, Run] = attrs.Factory(dict)
    step_runs: dict[int, StepRun] = attrs.Factory(dict)
    requirements: dict[int, Requirement] = attrs.Factory(dict)
    issues: dict[int, Issue] = attrs.Factory(dict)
    milestones: dict[int, Milestone] = attrs.Factory(dict)
    attachments: dict[int, Attachment] = attrs.Factory(dict)
    # user id -> project id -> group ids: who may see which project
    memberships: dict[int, dict[int, list[int]]] = attrs.Factory(dict)
    links: set[frozenset[Ref]] = attrs.Factory(set)
    _next_ids: dict[str, int] = attrs.Factory(lambda: dict(ID_BASES))
    # (project id, name) -> the first test's id, and what it was built from (see test_named)
    _test_names: dict[tuple[int, str], int] = attrs.Factory(dict)
    _test_names_of: tuple[int, int] = (-1, -1)
    _next_display: dict[tuple[int, str], int] = attrs.Factory(dict)

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Store:
        store = cls(clock=config.clock)
        for u in config.users:
            store.add_user(
                u.email,
                account_id=u.account_id,
                id=u.id,
                first_name=u.first_name,
                last_name=u.last_name,
                display_name=u.display_name,
                time_zone=u.time_zone,
            )
        for p in config.projects:
            store.add_project(
                p.name,
                account_id=p.account_id,
                id=p.id,
                automation_support=p.automation_support,
                enable_delete_issues=p.enable_delete_issues,
                time_management_support=p.time_management_support,
            )
        return store

    # --- ids and time -------------------------------------------------------------------

    def now(self) -> datetime:
        seconds = self.clock() if self.clock is not None else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(int(seconds), UTC)

    def new_id(self, kind: str, wanted: int | None = None) -> int:
        if wanted is not None:
            self._next_ids[kind] = max(self._next_ids[kind], wanted + 1)
            return wanted
        value = self._next_ids[kind]
        self._next_ids[kind] = value + 1
        return value

    def new_display_id(self, project_id: int, kind: str) -> int:
        value = self._next_display.get((project_id, kind), 1)
        self._next_display[(project_id, kind)] = value + 1
        return value

    # --- visibility ---------------------------------------------------------------------

    def can_see(self, grant: TokenGrant, project: Project) -> bool:
        if project.account_id != grant.account_id:
            return False
        if grant.kind == "account":
            return True
        return project.id in self.memberships.get(grant.user_id or 0, {})

    def visible_projects(self, grant: TokenGrant) -> list[Project]:
        return [p for p in self.projects.values() if self.can_see(grant, p)]

    def account_users(self, account_id: int) -> list[User]:
        return [u for u in self.users.values() if u.account_id == account_id]

    # --- seed helpers (also used by handlers) -------------------------------------------

    def add_user(
        self, email: str, *, account_id: int = 1, id: int | None = None, **fields: Any
    ) -> User:
        user = User(
            id=self.new_id("users", id),
            account_id=account_id,
            email=email,
            created_at=self.now(),
            **fields,
        )
        self.users[user.id] = user
        return user

    def add_project(
        self,
        name: str,
        *,
        account_id: int = 1,
        id: int | None = None,
        member_user_ids: Iterable[int] | None = None,
        **fields: Any,
    ) -> Project:
        """Add a project with the three usual groups; account users join as Administrators."""
        project = Project(
            id=self.new_id("projects", id),
            account_id=account_id,
            name=name,
            created_at=self.now(),
            **fields,
        )
        self.projects[project.id] = project
        groups = [self.add_group(project.id, g) for g in DEFAULT_GROUPS]
        members = (
            member_user_ids
            if member_user_ids is not None
            else [u.id for u in self.account_users(account_id)]
        )
        for user_id in members:
            self.memberships.setdefault(user_id, {})[project.id] = [groups[0].id]
        return project

    def add_group(self, project_id: int, name: str) -> Group:
        group = Group(
            id=self.new_id("groups"),
            project_id=project_id,
            name=name,
            created_at=self.now(),
            permissions=default_group_permissions(name),
        )
        self.groups[group.id] = group
        return group

    def add_custom_field(
        self,
        project_id: int,
        name: str,
        field_format: str = "text",
        *,
        possible_values: Any = None,
        **fields: Any,
    ) -> CustomField:
        now = self.now()
        cf = CustomField(
            id=self.new_id("custom-fields"),
            project_id=project_id,
            name=name,
            field_format=field_format,
            possible_values=possible_values,
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.custom_fields[cf.id] = cf
        return cf

    def _numbered(self, cls: Callable[..., R], kind: str, project_id: int, **fields: Any) -> R:
        """A new record of an entity that has a display id in its project."""
        self._project(project_id)
        now = self.now()
        return cls(
            id=self.new_id(kind),
            project_id=project_id,
            display_id=self.new_display_id(project_id, kind),
            created_at=now,
            updated_at=now,
            **fields,
        )

    def test_named(self, project_id: int, name: str) -> Test | None:
        """The project's first test (lowest id) called ``name``, as ``auto_create`` finds it.

        An index, not a scan of every test (a fresh upload of 100,000 tests made the emulator
        quadratic): made again whenever tests were added or removed since, or when what it
        names was renamed; :meth:`tests_renamed` says so for a rename through the API."""
        built_from = (len(self.tests), self._next_ids["tests"])
        if built_from != self._test_names_of:
            self._index_test_names()
        found_id = self._test_names.get((project_id, name))
        found = None if found_id is None else self.tests.get(found_id)
        if found_id is not None and (found is None or found.name != name):
            self._index_test_names()  # renamed under the index (a test changing it directly)
            found_id = self._test_names.get((project_id, name))
            found = None if found_id is None else self.tests.get(found_id)
        return found

    def tests_renamed(self) -> None:
        """A test's name changed: the next :meth:`test_named` reads them all again."""
        self._test_names_of = (-1, -1)

    def _index_test_names(self) -> None:
        names: dict[tuple[int, str], int] = {}
        for test in sorted(self.tests.values(), key=lambda t: t.id):
            names.setdefault((test.project_id, test.name), test.id)
        self._test_names = names
        self._test_names_of = (len(self.tests), self._next_ids["tests"])

    def add_test(
        self, project_id: int, name: str, *, steps: Iterable[dict[str, Any]] = (), **fields: Any
    ) -> Test:
        """Add a test; ``steps`` are dicts with name/description/expected_results."""
        test = self._numbered(Test, "tests", project_id, name=name, **fields)
        self.tests[test.id] = test
        if self._test_names_of == (len(self.tests) - 1, test.id):  # the index was current
            self._test_names.setdefault((project_id, name), test.id)
            self._test_names_of = (len(self.tests), self._next_ids["tests"])
        for step in steps:
            self.add_step(test.id, **step)
        return test

    def add_step(self, test_id: int, name: str, **fields: Any) -> Step:
        test = self.tests[test_id]
        position = 1 + max((s.position for s in self.steps_of_test(test_id)), default=0)
        now = self.now()
        step = Step(
            id=self.new_id("steps"),
            project_id=test.project_id,
            test_id=test_id,
            name=name,
            position=position,
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.steps[step.id] = step
        return step

    def add_set(
        self, project_id: int, name: str, *, test_ids: Iterable[int] = (), **fields: Any
    ) -> TestSet:
        """Add a test set with one instance per test id."""
        test_set = self._numbered(TestSet, "sets", project_id, name=name, **fields)
        self.sets[test_set.id] = test_set
        for test_id in test_ids:
            self.add_instance(project_id, test_set.id, test_id)
        return test_set

    def add_instance(self, project_id: int, set_id: int, test_id: int, **fields: Any) -> Instance:
        test_set, test = self.sets[set_id], self.tests[test_id]
        if test_set.project_id != project_id or test.project_id != project_id:
            raise ValueError(f"set {set_id} and test {test_id} must be in project {project_id}")
        test_set.instances_made += 1
        now = self.now()
        instance = Instance(
            id=self.new_id("instances"),
            project_id=project_id,
            set_id=set_id,
            test_id=test_id,
            number=test_set.instances_made,
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.instances[instance.id] = instance
        return instance

    def add_requirement(self, project_id: int, name: str, **fields: Any) -> Requirement:
        req = self._numbered(Requirement, "requirements", project_id, name=name, **fields)
        self.requirements[req.id] = req
        return req

    def add_issue(self, project_id: int, title: str, **fields: Any) -> Issue:
        issue = self._numbered(Issue, "issues", project_id, title=title, **fields)
        self.issues[issue.id] = issue
        return issue

    def add_milestone(self, project_id: int, name: str, **fields: Any) -> Milestone:
        milestone = self._numbered(Milestone, "milestones", project_id, name=name, **fields)
        self.milestones[milestone.id] = milestone
        return milestone

    def add_attachment(
        self, project_id: int, entity: str, entity_id: int, name: str, content: bytes
    ) -> Attachment:
        att = Attachment(
            id=self.new_id("attachments"),
            project_id=project_id,
            entity=entity,
            entity_id=entity_id,
            name=name,
            content=content,
            created_at=self.now(),
        )
        self.attachments[att.id] = att
        return att

    def _project(self, project_id: int) -> Project:
        try:
            return self.projects[project_id]
        except KeyError:
            raise ValueError(f"project {project_id} does not exist") from None

    # --- lookups ------------------------------------------------------------------------

    def steps_of_test(self, test_id: int) -> list[Step]:
        steps = [s for s in self.steps.values() if s.test_id == test_id]
        return sorted(steps, key=lambda s: s.position)

    def instances_of_set(self, set_id: int) -> list[Instance]:
        return [i for i in self.instances.values() if i.set_id == set_id]

    def instances_of_test(self, test_id: int) -> list[Instance]:
        return [i for i in self.instances.values() if i.test_id == test_id]

    def runs_of_instance(self, instance_id: int) -> list[Run]:
        return [r for r in self.runs.values() if r.instance_id == instance_id]

    def step_runs_of_run(self, run_id: int) -> list[StepRun]:
        return sorted(
            (s for s in self.step_runs.values() if s.run_id == run_id), key=lambda s: s.position
        )

    def attachments_of(self, entity: str, entity_id: int) -> list[Attachment]:
        return [
            a for a in self.attachments.values() if a.entity == entity and a.entity_id == entity_id
        ]

    def table(self, ref_type: str) -> dict[int, Any]:
        """The table behind a JSON:API type ("tests", "step-runs", ...)."""
        tables: dict[str, dict[int, Any]] = {
            "projects": self.projects,
            "users": self.users,
            "groups": self.groups,
            "custom-fields": self.custom_fields,
            "tests": self.tests,
            "steps": self.steps,
            "sets": self.sets,
            "instances": self.instances,
            "runs": self.runs,
            "step-runs": self.step_runs,
            "requirements": self.requirements,
            "issues": self.issues,
            "milestones": self.milestones,
            "attachments": self.attachments,
        }
        return tables[ref_type]

    # --- links (traceability) -----------------------------------------------------------

    def linked(self, ref: Ref, other_type: str) -> list[int]:
        """Ids of ``other_type`` resources linked to ``ref``, ascending."""
        found = {
            other[1]
            for link in self.links
            if ref in link
            for other in link
            if other != ref and other[0] == other_type
        }
        return sorted(found)

    def link(self, a: Ref, b: Ref) -> None:
        self.links.add(frozenset((a, b)))

    def unlink(self, a: Ref, b: Ref) -> None:
        self.links.discard(frozenset((a, b)))

    def drop_links(self, ref: Ref) -> None:
        self.links = {link for link in self.links if ref not in link}

    # --- deletes (cascade the way PractiTest does: a test takes its instances and runs) ---

    def delete_run(self, run_id: int) -> None:
        self.runs.pop(run_id, None)
        for step_run in self.step_runs_of_run(run_id):
            self._drop(self.step_runs, step_run.id, "step-runs", "step-run")
        self._drop_attachments("run", run_id)

    def delete_instance(self, instance_id: int) -> None:
        for run in self.runs_of_instance(instance_id):
            self.delete_run(run.id)
        self._drop(self.instances, instance_id, "instances", "instance")

    def delete_set(self, set_id: int) -> None:
        for instance in self.instances_of_set(set_id):
            self.delete_instance(instance.id)
        self._drop(self.sets, set_id, "sets", "testset")

    def delete_test(self, test_id: int) -> None:
        for instance in self.instances_of_test(test_id):
            self.delete_instance(instance.id)
        for step in self.steps_of_test(test_id):
            self._drop(self.steps, step.id, "steps", "step")
        self._drop(self.tests, test_id, "tests", "test")

    def delete_step(self, step_id: int) -> None:
        step = self.steps[step_id]
        self._drop(self.steps, step_id, "steps", "step")
        for position, rest in enumerate(self.steps_of_test(step.test_id), start=1):
            rest.position = position  # positions stay 1..n, as in the UI

    def delete_requirement(self, requirement_id: int) -> None:
        self._drop(self.requirements, requirement_id, "requirements", "requirement")

    def delete_issue(self, issue_id: int) -> None:
        self._drop(self.issues, issue_id, "issues", "issue")

    def _drop(self, table: dict[int, Any], record_id: int, ref_type: str, entity: str) -> None:
        table.pop(record_id, None)
        self.drop_links((ref_type, record_id))
        self._drop_attachments(entity, record_id)

    def _drop_attachments(self, entity: str, entity_id: int) -> None:
        for att in self.attachments_of(entity, entity_id):
            del self.attachments[att.id]
