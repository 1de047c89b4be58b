"""The example review workflow (examples/github-workflow/pulumi-maytapi.yml), its own steps read
from the file and run as GitHub runs them (tests/workflow.py), from two runner directories (each
its own HOME, so its own `~/.pulumi`) on one shared S3 backend (moto's server on loopback: the
suite's `s3` fixture, a bucket per test), against the emulator: every Maytapi call and every
GitHub REST call counted."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools import docs_blocks
from devtools.emulator import RunningEmulator
from devtools.interrupt import kill_session, recover_after_kill
from devtools.s3 import CREDENTIALS, RunningS3
from devtools.stack import ROOT, VENV, Project
from tests.conftest import Calls
from tests.venvs import wheelhouse
from tests.workflow import (
    WORKFLOW,
    Event,
    ExpressionError,
    GitHub,
    Runner,
    condition,
    evaluate,
    expressions,
    interpolate,
    load,
)

PASSPHRASE = "team-passphrase-7d1e-never-in-the-bucket"
PROGRAM = "infra/__main__.py"
HOOK = "https://hooks.example.com/maytapi/support"
EMPTY_PROGRAM = '"""The team\'s Maytapi phones."""\n'
FIRST_PROGRAM = f'''"""The team's Maytapi phones."""

import pulumi

from maytapi_pulumi import FactoryReset, Logout, PhoneConfig, Redeploy

support = PhoneConfig(
    "support-line",
    phone_id="12",
    webhook="{HOOK}",
    ack_delivery=True,
)
Redeploy(
    "support-line-redeploy",
    phone_id=support.phone_id,
    revision="2026-11-25",
    opts=pulumi.ResourceOptions(depends_on=[support]),
)
'''
NATIVE_PROGRAM = FIRST_PROGRAM.replace("from maytapi_pulumi import", "from pulumi_maytapi import")
# What each pull request changes in the program: (path, text, new text).
NEW_HOOK = (PROGRAM, f'webhook="{HOOK}"', f'webhook="{HOOK}/v2"')
ACKS_OFF = (PROGRAM, "ack_delivery=True", "ack_delivery=False")
BUMP_REDEPLOY = (PROGRAM, 'revision="2026-11-25"', 'revision="2026-12-02"')
RESET_SALES = (
    PROGRAM,
    "\nRedeploy(",
    '\nFactoryReset("sales-reset", phone_id="13", revision="1")\nRedeploy(',
)
SALES_LINE = (
    PROGRAM,
    "\nRedeploy(",
    '\nPhoneConfig("sales-line", phone_id="13", webhook="https://hooks.example.com/s")\nRedeploy(',
)
LOGOUT_LOBBY = (PROGRAM, "\nRedeploy(", '\nLogout("lobby-logout", phone_id="14", revision="1")\nRedeploy(')
GATE = "Destructive actions need the label maytapi-destructive-ok"
FIND_PLAN = "Find the reviewed plan of the merged pull request"


REVIEW_GUIDE = ROOT / "docs/guides/review.md"
# The docs' one-time setup of the stack, as the page prints it.
[SETUP_STEPS] = [
    block.body for block in docs_blocks.blocks(REVIEW_GUIDE) if block.tested_by == "tests/test_workflow.py"
]


@pytest.fixture(scope="module")
def runner_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two runners' directories, kept for the module: each keeps its workspace (and the
    team's venv in it) between jobs, as a self-hosted runner does."""
    return tmp_path_factory.mktemp("runners")


def shell_env(home: Path, backend: str, **more: str) -> dict[str, str]:
    """A team member's shell: the backend, its cloud credentials, `more` (the passphrase...)."""
    return {
        **CREDENTIALS,
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        **more,
    }


def pulumi(
    directory: Path, env: Mapping[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(VENV / "bin" / "pulumi"), *args, "--non-interactive", "--color", "never"],
        cwd=directory, env=dict(env), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


@dataclass
class Team:
    """A team's repository on GitHub, its stack `production` on its own bucket of the shared
    backend, and the two runners serving it."""

    github: GitHub
    pushed: Event  # the push of the first commit
    a: Runner
    b: Runner
    bucket: str
    laptop: Path
    env: dict[str, str]  # the laptop's shell

    def rest_calls(self) -> list[str]:
        return [name for name, _ in self.github.calls()]


def setup_team(tmp_path: Path, s3: RunningS3, emu: RunningEmulator, runner_dirs: Path, bucket: str,
               program: str, secrets_provider: str = "passphrase", passphrase: str = PASSPHRASE) -> Team:  # fmt: skip
    """What the docs' setup does once, on a laptop: `pulumi stack init production` on the shared
    backend and the stack's config, committed with the program (pushed to main by the caller)."""
    backend = s3.backend_url(s3.bucket(bucket))
    infra = tmp_path / "laptop" / "infra"
    infra.mkdir(parents=True)
    (infra / ".venv").symlink_to(VENV)  # the laptop has the package installed
    packages = ["maytapi-pulumi", "pulumi-maytapi"]  # the package (and its plugin), the native SDK
    requirements = ["--no-index", *(f"--find-links {d}" for d in wheelhouse()), *packages]
    files = {
        "infra/Pulumi.yaml": "name: maytapi-team\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n",
        "infra/requirements.txt": "\n".join(requirements) + "\n",
        PROGRAM: program,
    }
    for path, text in files.items():
        (infra.parent / path).write_text(text)
    env = shell_env(tmp_path / "laptop-home", backend, PULUMI_CONFIG_PASSPHRASE=passphrase)
    page = {"SECRETS_PROVIDER": secrets_provider, "MAYTAPI_PRODUCT_ID": emu.product_id}
    steps = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", SETUP_STEPS], cwd=infra.parent, capture_output=True, text=True,
        env={**env, **page, "PATH": f"{VENV / 'bin'}:{env['PATH']}"}, timeout=120,
    )  # fmt: skip
    assert steps.returncode == 0, steps.stdout + steps.stderr
    pulumi(infra, env, "config", "set", "maytapi:baseUrl", emu.base_url)  # the emulator, not Maytapi
    files["infra/Pulumi.production.yaml"] = (infra / "Pulumi.production.yaml").read_text()
    github = GitHub(tmp_path / "artifacts")
    pushed = github.push([(path, "", text) for path, text in files.items()])
    secrets = {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "MAYTAPI_API_TOKEN": emu.token,
    }
    # the runner machines hold the backend's credentials (an instance role's, say), and neither
    # Pulumi nor pip fetches anything on its own
    machine = {
        **CREDENTIALS,
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    a, b = (Runner(runner_dirs / name, github, secrets, machine) for name in ("a", "b"))
    return Team(github, pushed, a, b, bucket, infra, {**env, "MAYTAPI_API_TOKEN": emu.token})


def deployed(team: Team, calls: Calls) -> None:
    """The program as the team's first `pulumi up`, by hand, left it (before the workflow)."""
    pulumi(team.laptop, team.env, "up", "--yes", "--stack", "production")
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]


def no_secret_in(s3: RunningS3, bucket: str, *secrets: str) -> list[str]:
    """The bucket's keys, asserting that no object holds any of `secrets` in clear."""
    objects = s3.objects(bucket)
    for key, body in objects.items():
        assert not [s for s in secrets if s.encode() in body], f"{key} holds a secret in clear"
    return sorted(objects)


def lock_keys(s3: RunningS3, bucket: str) -> list[str]:
    """The keys of the stack locks in the bucket (`pulumi up` holds one while it runs)."""
    return [key for key in s3.objects(bucket) if key.startswith(".pulumi/locks/")]


def test_a_pull_request_is_previewed_gated_and_applied_on_merge_by_the_other_runner(
    tmp_path: Path, s3: RunningS3, emu: RunningEmulator, calls: Calls, runner_dirs: Path
) -> None:
    """On the native provider (the other tests run the dynamic resources): its plugin,
    `pulumi-resource-maytapi`, comes with the package into the runners' venv, where the engine
    finds it because the workflow puts the venv on PATH."""
    team = setup_team(tmp_path, s3, emu, runner_dirs, "review", EMPTY_PROGRAM)
    github, a, b = team.github, team.a, team.b
    calls.take()

    # the first commit, pushed to main with no pull request: nothing was reviewed, nothing runs
    up = b.run("up", team.pushed)
    assert up.conclusion == "failure" and up.outcomes["pulumi up --plan"] == "skipped"
    assert f"no merged pull request for {github.main}: nothing was reviewed" in up.step(FIND_PLAN).output
    assert team.rest_calls() == ["repos.listPullRequestsAssociatedWithCommit"]

    # pull request 1 declares the phone's config and a redeploy: runner a previews it, one comment
    first = github.open_pull("support line", [(PROGRAM, EMPTY_PROGRAM, NATIVE_PROGRAM)])
    preview = a.run("preview", github.pull_event(first))
    assert preview.conclusion == "success", preview.output
    assert preview.outcomes[GATE] == "success"  # no label, nothing destructive
    assert calls.take() == []
    assert team.rest_calls() == ["issues.listComments", "issues.createComment"]
    (comment,) = github.comments(first)
    assert comment["body"].startswith(
        "<!-- maytapi-review production -->\n### Maytapi (production): 1 config"
    )
    assert "**Redeploy `support-line-redeploy` will fire (new, revision `2026-11-25`)**" in comment["body"]
    assert "+ maytapi:index:Redeploy: (create)" in comment["body"]  # the folded diff

    # merged: runner b finds that preview's run, downloads its plan and applies exactly it
    up = b.run("up", github.merge(first))
    assert up.conclusion == "success", up.output
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert team.rest_calls() == [
        "repos.listPullRequestsAssociatedWithCommit",
        "actions.listWorkflowRunsForRepo",
    ]
    assert emu.phone("12")["webhook"] == HOOK

    # pull request 2 resets phone 13 (destructive) and moves 12's webhook: refused without the label
    second = github.open_pull("sales reset", [NEW_HOOK, RESET_SALES])
    github.comment(second, "<!-- maytapi-review production --> a person quoting the marker")
    preview = a.run("preview", github.pull_event(second))
    assert preview.conclusion == "failure" and preview.outcomes[GATE] == "failure"
    assert "!! FactoryReset sales-reset will fire (new, revision 1): DESTRUCTIVE" in preview.step(GATE).output
    person, comment = github.comments(second)
    assert comment["user"]["type"] == "Bot" and "DESTRUCTIVE" in comment["body"]
    # the label runs the check again: the same comment is updated, and the gate is left out
    preview = a.run("preview", github.label(second, "maytapi-destructive-ok"))
    assert preview.conclusion == "success" and preview.outcomes[GATE] == "skipped"
    assert [c["id"] for c in github.comments(second)] == [person["id"], comment["id"]]
    assert team.rest_calls()[-4:] == [
        "issues.listComments", "issues.createComment", "issues.listComments", "issues.updateComment",
    ]  # fmt: skip
    assert calls.take() == []

    up = b.run("up", github.merge(second))
    assert up.conclusion == "success", up.output
    # the reset fired once, the webhook moved once
    assert sorted(calls.take()) == [("GET", "/13/factoryreset"), ("POST", "/12/config")]

    # pull request 3 (a logout) is merged while its preview still runs: nothing was reviewed
    third = github.open_pull("lobby logout", [LOGOUT_LOBBY])
    up = b.run("up", github.merge(third))
    assert up.conclusion == "failure" and up.outcomes["pulumi up --plan"] == "skipped"
    assert f"no successful preview of {third.head}: nothing was reviewed" in up.step(FIND_PLAN).output
    assert calls.take() == []

    # the token and the passphrase are in no object of the bucket, no plan kept, no job's log,
    # no comment
    keys = no_secret_in(s3, team.bucket, emu.token, PASSPHRASE)
    assert ".pulumi/stacks/maytapi-team/production.json" in keys
    plans = [plan.read_text() for artifact in github.artifacts.values() for plan in artifact.iterdir()]
    bodies = [c["body"] for c in github.rest["comments"]]
    assert len(plans) == 3 and len(github.logs) == 7
    assert not [t for t in plans + github.logs + bodies if emu.token in t or PASSPHRASE in t]


def test_the_drift_job_keeps_one_issue_up_to_date_and_fails_while_a_phone_drifted(
    tmp_path: Path, s3: RunningS3, emu: RunningEmulator, calls: Calls, runner_dirs: Path
) -> None:
    team = setup_team(tmp_path, s3, emu, runner_dirs, "drift", FIRST_PROGRAM)
    deployed(team, calls)
    drift = team.a.run("drift", team.github.schedule())
    assert drift.conclusion == "success", drift.output
    assert drift.outcomes["Report drift in one issue"] == "skipped"
    assert calls.take() == [("GET", "/12/config")]  # the refresh reads the phone
    assert team.rest_calls() == [] and "0 config changes" in drift.summary

    emu.set_phone("12", webhook="https://drifted.example.com/hook")
    calls.take()
    drift = team.a.run("drift", team.github.schedule())
    assert drift.conclusion == "failure" and drift.outcomes["Report drift in one issue"] == "failure"
    assert "::error::drift found: see the issue" in drift.step("Report drift in one issue").output
    (issue,) = team.github.open_issues()
    assert issue["title"] == "Maytapi drift: production"
    row = "PhoneConfig `support-line`: webhook: `https://drifted.example.com/hook` → `" + HOOK + "`"
    assert row in issue["body"] and row in drift.summary
    assert team.rest_calls() == ["issues.listForRepo", "issues.create"]

    # drifted further: the same issue, updated
    emu.set_phone("12", webhook="https://drifted.example.com/again")
    drift = team.a.run("drift", team.github.schedule())
    assert drift.conclusion == "failure"
    assert [i["number"] for i in team.github.open_issues()] == [issue["number"]]
    assert "`https://drifted.example.com/again`" in team.github.open_issues()[0]["body"]
    assert team.rest_calls() == ["issues.listForRepo", "issues.update"]
    assert calls.take() == [("GET", "/12/config")] * 2


def test_a_plan_older_than_a_merge_applies_when_that_merge_was_applied_and_is_refused_when_not(
    tmp_path: Path, s3: RunningS3, emu: RunningEmulator, calls: Calls, runner_dirs: Path
) -> None:
    team = setup_team(tmp_path, s3, emu, runner_dirs, "stale", FIRST_PROGRAM)
    deployed(team, calls)
    github, a, b = team.github, team.a, team.b
    redeploy = github.open_pull("redeploy", [BUMP_REDEPLOY])
    acks = github.open_pull("acks off", [ACKS_OFF])
    for pull in (redeploy, acks):
        assert a.run("preview", github.pull_event(pull)).conclusion == "success"

    # both merge, each up after the other: the second plan, saved before the first merge, applies
    # (the engine checks the changes a plan shows, and the first merge's are in the state)
    assert b.run("up", github.merge(redeploy)).conclusion == "success"
    assert calls.take() == [("GET", "/12/redeploy")]
    assert b.run("up", github.merge(acks)).conclusion == "success"
    assert calls.take() == [("POST", "/12/config")]

    # a plan saved before a merge whose up never ran (GitHub cancels a pending run of the
    # concurrency group when a newer one queues: behind the drift check, or an approval)
    hooks = github.open_pull("new webhook", [NEW_HOOK])
    assert a.run("preview", github.pull_event(hooks)).conclusion == "success"
    github.merge(github.open_pull("sales line", [SALES_LINE]))
    up = b.run("up", github.merge(hooks))
    assert up.conclusion == "failure", up.output
    output = up.step("pulumi up --plan").output
    assert "create is not allowed by the plan" in output  # the sales line's config, not reviewed
    assert "::error title=The reviewed plan is out of date::" in output and "Re-run the preview" in output
    # nothing the plan did not show, and here nothing at all
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == HOOK


def test_two_ups_at_once_one_refused_by_the_lock_and_a_runner_killed_mid_up_on_a_kms_stack(
    tmp_path: Path, s3: RunningS3, emu: RunningEmulator, calls: Calls, runner_dirs: Path
) -> None:
    """Teams without a shared passphrase: the stack's secrets provider is a KMS key (awskms://
    on the same server), the token a secret in the stack's config. Two runners run `pulumi up` by
    hand (the workflow's own concurrency group never runs two of its ups at once)."""
    team = setup_team(tmp_path, s3, emu, runner_dirs, "locks", FIRST_PROGRAM, s3.kms_key(), passphrase="")
    pulumi(team.laptop, team.env, "config", "set", "--secret", "maytapi:apiToken", emu.token)
    homes = {}
    for name in ("a", "b"):  # each runner's checkout, with the package installed
        homes[name] = tmp_path / f"cli-{name}" / "infra"
        shutil.copytree(team.laptop, homes[name], symlinks=True)
    # no passphrase and no token in the runners' environment: KMS decrypts the config's token
    env = {n: shell_env(tmp_path / f"cli-{n}" / "home", s3.backend_url(team.bucket)) for n in homes}
    calls.take()

    # holds runner a's up, and its lock, long enough for runner b to start on a loaded machine
    emu.fault(path="/12/redeploy$", latency_ms=8000, times=1)
    first = subprocess.Popen(
        [str(VENV / "bin" / "pulumi"), "up", "--yes", "--stack", "production", "--non-interactive"],
        cwd=homes["a"], env=env["a"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not emu.api_calls(path="/12/redeploy$"):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    locks = lock_keys(s3, team.bucket)
    assert len(locks) == 1
    second = pulumi(homes["b"], env["b"], "up", "--yes", "--stack", "production", check=False)
    assert second.returncode != 0
    assert "the stack is currently locked by 1 lock(s)" in second.stderr
    assert f"s3://{team.bucket}/{locks[0]}?" in second.stderr  # the lock's object, named
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    # nothing lost, each action once: runner a's up made every call, runner b's none, and runner
    # b reads the whole update in the state, nothing pending, the lock gone
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert not lock_keys(s3, team.bucket)
    state = json.loads(pulumi(homes["b"], env["b"], "stack", "export", "--stack", "production").stdout)
    assert "pending_operations" not in state["deployment"]
    assert [r["urn"].rsplit("::", 1)[1] for r in state["deployment"]["resources"]][-2:] == [
        "support-line", "support-line-redeploy",
    ]  # fmt: skip

    # runner b dies (SIGKILL to every process of it) while its up's redeploy is in flight
    for home in homes.values():
        program = home / "__main__.py"
        program.write_text(program.read_text().replace(*BUMP_REDEPLOY[1:]))
    emu.fault(path="/12/redeploy$", latency_ms=3000, times=1)
    killed = subprocess.Popen(
        [str(VENV / "bin" / "pulumi"), "up", "--yes", "--stack", "production", "--non-interactive"],
        cwd=homes["b"], env=env["b"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(emu.api_calls(path="/12/redeploy$")) < 2:
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    kill_session(killed.pid)
    killed.wait()
    locks = lock_keys(s3, team.bucket)
    assert len(locks) == 1  # the dead runner's lock stays in the bucket

    # runner a takes over with the documented steps; the user finds the redeploy happened
    project = Project.open(homes["a"], tmp_path / "cli-a-state", stack_name="production",
                           env={**env["a"], "PULUMI_HOME": str(tmp_path / "cli-a" / "home" / ".pulumi")})  # fmt: skip
    recovery = recover_after_kill(project, lambda _urn, _phone: len(emu.api_calls(path="/12/redeploy$")) == 2)
    assert "the stack is currently locked by 1 lock(s)" in recovery.locked.output
    redeploy = (
        "urn:pulumi:production::maytapi-team::pulumi-python:dynamic/maytapi:Redeploy::support-line-redeploy"
    )
    assert recovery.in_flight == recovery.in_doubt == [redeploy] and recovery.recorded == {redeploy: ["12"]}
    # the redeploy in flight fired once and was recorded, not sent again; the refresh read the
    # phone (in its preview, then for real); the lock and the pending operation are gone
    assert calls.take() == [("GET", "/12/redeploy"), ("GET", "/12/config"), ("GET", "/12/config")]
    assert not lock_keys(s3, team.bucket)
    assert "pending_operations" not in project.export()
    # the state names the KMS key it is encrypted with, and holds no token in clear
    assert ".pulumi/stacks/maytapi-team/production.json" in no_secret_in(s3, team.bucket, emu.token)
    state = json.loads(s3.objects(team.bucket)[".pulumi/stacks/maytapi-team/production.json"])
    secrets_provider = state["checkpoint"]["latest"]["secrets_providers"]
    assert secrets_provider["type"] == "cloud" and secrets_provider["state"]["url"].startswith("awskms:///")


def test_every_expression_of_the_workflow_is_a_known_form_and_others_are_refused() -> None:
    text = WORKFLOW.read_text()
    contexts = {
        "github": {"event_name": "push", "ref": "refs/heads/main", "event": {}, "token": "t"},
        "secrets": {},
        "steps": {},
    }
    for expression in expressions(text):
        evaluate(expression, contexts)
    for job in load()["jobs"].values():
        condition(job.get("if"), contexts)
        for step in job["steps"]:
            condition(step.get("if"), contexts)
    for unknown in ("github.ref && github.sha", "format('{0}', github.sha)", "(github.ref)",
                    "env.STACK", "hashFiles('x')", "github.ref == 1"):  # fmt: skip
        with pytest.raises(ExpressionError):
            evaluate(unknown, contexts)


def test_applies_and_drift_checks_share_one_concurrency_group_and_pull_requests_their_own() -> None:
    group = load()["concurrency"]["group"]
    runs = {
        event: interpolate(group, {"github": {"ref": ref}, "secrets": {}, "steps": {}})
        for event, ref in (("push", "refs/heads/main"), ("schedule", "refs/heads/main"),
                           ("pull_request", "refs/pull/7/merge"))
    }  # fmt: skip
    assert runs == {"push": "maytapi-refs/heads/main", "schedule": "maytapi-refs/heads/main",
                    "pull_request": "maytapi-refs/pull/7/merge"}  # fmt: skip
    assert load()["concurrency"]["cancel-in-progress"] is False
