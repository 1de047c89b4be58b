"""The example GitHub Actions workflow (examples/github-workflow/pulumi-maytapi.yml) run here as
GitHub runs it, so that the file is what is tested: its triggers, jobs and steps are read from it;
`run:` steps run in the shell GitHub gives them, with the environment the workflow, the job and
the step declare; the `${{ … }}` expressions it uses are evaluated by a small evaluator that knows
exactly the forms the file uses and refuses any other; `actions/github-script` steps run under
Node.js (tests/github_script.js) against a recording stand-in of GitHub's REST API; the other
actions it uses (checkout, setup-python, pulumi/actions, upload- and download-artifact) are
stand-ins that do what the real ones do here.

A `Runner` is a directory of its own (its workspace and HOME, so its own `~/.pulumi`); several
share one `GitHub` (the team's repository, pull requests, comments, issues, workflow runs and
artifacts). Two liberties, both for time, both as a self-hosted runner could be set up: a
runner's workspace keeps `infra/.venv` between its jobs, and the step that builds it runs in each
job's first run on a runner only (it costs several CPU-seconds and would rebuild the same venv)."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devtools.interrupt import kill_session
from devtools.stack import ROOT, VENV

WORKFLOW = ROOT / "examples" / "github-workflow" / "pulumi-maytapi.yml"
GITHUB_SCRIPT = Path(__file__).with_name("github_script.js")
OWNER, REPO = "team", "infra"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ExpressionError(Exception):
    """An expression form this evaluator does not know: teach it the form (as GitHub evaluates
    it) before the workflow uses it."""


# ---------------------------------------------------------------------------------------------
# Expressions: exactly the forms the workflow uses. A context path (github.…, secrets.…,
# steps.…, with `*` over a list), a 'string', `==`, `!=`, `!`, `||` and contains(). Nothing else:
# not `&&`, not parentheses, not another function or context.

CONTEXTS = ("github", "secrets", "steps")
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op>==|!=|\|\||!(?!=)|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.(?:[A-Za-z_][\w-]*|\*))*))"
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while expression[at:].strip():
        match = _TOKEN.match(expression, at)
        if match is None or match.lastgroup is None:
            raise ExpressionError(f"unknown expression form at {expression[at:]!r} in {expression!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    return tokens


def _number(value: Any) -> float:
    """GitHub's coercion when the two sides of `==` differ in type."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and not isinstance(left, (list, dict)):
        return bool(left == right)
    return _number(left) == _number(right)


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0) and not (isinstance(value, float) and math.isnan(value))


def _lookup(path: str, contexts: Mapping[str, Any]) -> Any:
    first, *rest = path.split(".")
    if first not in CONTEXTS:
        raise ExpressionError(f"unknown context {first!r} in {path!r}")
    value: Any = contexts[first]
    spread = False  # after a `*`: the value is the list of what each item holds
    for key in rest:
        if key == "*":
            value, spread = (value if isinstance(value, list) else []), True
        elif spread:
            value = [item.get(key) for item in value if isinstance(item, dict)]
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


class _Parser:
    def __init__(self, expression: str, contexts: Mapping[str, Any]) -> None:
        self.expression, self.contexts = expression, contexts
        self.tokens = _tokens(expression)

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        if not self.tokens:
            raise ExpressionError(f"unexpected end of {self.expression!r}")
        got_kind, got = self.tokens.pop(0)
        if (kind and got_kind != kind) or (text and got != text):
            raise ExpressionError(f"unknown expression form at {got!r} in {self.expression!r}")
        return got

    def peek(self) -> str | None:
        return self.tokens[0][1] if self.tokens else None

    def parse(self) -> Any:
        value = self.disjunction()
        if self.tokens:
            raise ExpressionError(f"unknown expression form at {self.peek()!r} in {self.expression!r}")
        return value

    def disjunction(self) -> Any:
        value = self.negation()
        while self.peek() == "||":
            self.take()
            right = self.negation()
            value = value if truthy(value) else right
        return value

    def negation(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.operand()
        if self.peek() in ("==", "!="):
            equal = _equal(left, (op := self.take(), self.operand())[1])
            return equal if op == "==" else not equal
        return left

    def operand(self) -> Any:
        if self.tokens and self.tokens[0][0] == "string":
            return self.take()[1:-1].replace("''", "'")
        name = self.take("name")
        if self.peek() != "(":
            return _lookup(name, self.contexts)
        if name != "contains":
            raise ExpressionError(f"unknown function {name}() in {self.expression!r}")
        self.take(text="(")
        haystack = self.disjunction()
        self.take(text=",")
        needle = self.disjunction()
        self.take(text=")")
        if isinstance(haystack, list):
            return any(_equal(item, needle) for item in haystack)
        return str(needle).casefold() in str(haystack or "").casefold()


def evaluate(expression: str, contexts: Mapping[str, Any]) -> Any:
    """The value of one expression (the text inside `${{ }}`)."""
    return _Parser(expression, contexts).parse()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def interpolate(text: str, contexts: Mapping[str, Any]) -> str:
    """`text` with each `${{ … }}` replaced by its value, as GitHub does before a step runs."""
    return _EMBEDDED.sub(lambda m: _text(evaluate(m.group(1), contexts)), text)


def condition(text: str | bool | None, contexts: Mapping[str, Any]) -> bool:
    """An `if:`, with or without `${{ }}`. Steps and jobs of this workflow use no status
    function, so GitHub's implicit `success() &&` is the caller's."""
    if text is None:
        return True
    if isinstance(text, bool):
        return text
    whole = _EMBEDDED.fullmatch(text.strip())
    return truthy(evaluate(whole.group(1) if whole else text, contexts))


def expressions(text: str) -> list[str]:
    """Every `${{ … }}` of a workflow file, as written."""
    return [m.group(1).strip() for m in _EMBEDDED.finditer(text)]


def load(path: Path = WORKFLOW) -> dict[str, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true
    return workflow


# ---------------------------------------------------------------------------------------------
# GitHub: the team's repository, its pull requests, and what the REST API serves.


@dataclass
class Pull:
    """A pull request: its changes to main as it was when it was opened, and its head commit."""

    number: int
    changes: list[tuple[str, str, str]]
    head: str
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """What triggers a workflow run: its name, the commit and ref checked out, its payload."""

    name: str
    sha: str
    ref: str
    payload: dict[str, Any]
    changed: tuple[str, ...] = ()


def _apply(files: Mapping[str, str], changes: list[tuple[str, str, str]]) -> dict[str, str]:
    """`files` with each change `(path, old, new)`: `old` replaced by `new` once in the file (a new
    file when `old` is empty and the file absent)."""
    result = dict(files)
    for path, old, new in changes:
        if path not in result and not old:
            result[path] = new
            continue
        if result.get(path, "").count(old) != 1:
            raise AssertionError(f"{path}: the change does not apply ({old!r} is not there once)")
        result[path] = result[path].replace(old, new)
    return result


class GitHub:
    """One repository's view on GitHub. `rest` is what tests/github_script.js serves and writes
    back (comments, issues, pull requests, workflow runs, and the calls made); `artifacts` holds
    each run's uploads."""

    def __init__(self, store: Path) -> None:
        self.commits: dict[str, dict[str, str]] = {}
        self.main = self.commit({})  # a new repository: the first push brings the files
        self.store = store
        self.artifacts: dict[tuple[int, str], Path] = {}
        self.tokens: dict[int, str] = {}
        self.logs: list[str] = []  # each job run's log, as GitHub keeps it
        self.rest: dict[str, Any] = {
            "owner": OWNER, "repo": REPO, "permissions": {}, "comments": [], "issues": [],
            "pulls": [], "runs": [], "calls": [], "next_id": 0,
        }  # fmt: skip
        self._ids = itertools.count(1000)

    def commit(self, files: dict[str, str]) -> str:
        sha = hashlib.sha1(f"{len(self.commits)}\0{json.dumps(files, sort_keys=True)}".encode()).hexdigest()
        self.commits[sha] = files
        return sha

    def _number(self) -> int:
        self.rest["next_id"] += 1
        number: int = self.rest["next_id"]
        return number

    def push(self, changes: list[tuple[str, str, str]]) -> Event:
        """A commit pushed to main directly, and the push event it raises."""
        before = self.commits[self.main]
        self.main = self.commit(_apply(before, changes))
        return self._push_event(changes)

    def _push_event(self, changes: list[tuple[str, str, str]]) -> Event:
        payload = {"ref": "refs/heads/main", "after": self.main}
        return Event("push", self.main, "refs/heads/main", payload, tuple(p for p, _, _ in changes))

    def open_pull(self, title: str, changes: list[tuple[str, str, str]]) -> Pull:
        base = self.commits[self.main]
        pull = Pull(self._number(), changes, self.commit(_apply(base, changes)))
        self.rest["pulls"].append(
            {"number": pull.number, "title": title, "body": "", "state": "open", "merged_at": None,
             "head": {"sha": pull.head}, "commits": [pull.head]}
        )  # fmt: skip
        return pull

    def _rest_pull(self, pull: Pull) -> dict[str, Any]:
        found: dict[str, Any] = next(p for p in self.rest["pulls"] if p["number"] == pull.number)
        return found

    def pull_event(self, pull: Pull, action: str = "opened") -> Event:
        """The pull_request event: GitHub checks out the pull request merged into main as main is
        now (refs/pull/N/merge)."""
        merged = self.commit(_apply(self.commits[self.main], pull.changes))
        payload = {
            "action": action,
            "number": pull.number,
            "pull_request": {
                "number": pull.number,
                "head": {"sha": pull.head},
                "labels": [{"name": label} for label in pull.labels],
            },
        }
        changed = tuple(path for path, _, _ in pull.changes)
        return Event("pull_request", merged, f"refs/pull/{pull.number}/merge", payload, changed)

    def label(self, pull: Pull, name: str) -> Event:
        pull.labels.append(name)
        event = self.pull_event(pull, "labeled")
        return Event(
            event.name, event.sha, event.ref, {**event.payload, "label": {"name": name}}, event.changed
        )

    def merge(self, pull: Pull) -> Event:
        """Merge the pull request into main as it is now: its push event."""
        self.main = self.commit(_apply(self.commits[self.main], pull.changes))
        rest = self._rest_pull(pull)
        rest.update(state="closed", merged_at="2026-12-07T00:00:00Z")
        rest["commits"].append(self.main)
        return self._push_event(pull.changes)

    def schedule(self) -> Event:
        return Event("schedule", self.main, "refs/heads/main", {"schedule": "17 6 * * *"})

    def new_run(self, event: Event, name: str) -> int:
        run_id = next(self._ids)
        self.tokens[run_id] = f"ghs_run{run_id}"
        head = event.payload["pull_request"]["head"]["sha"] if event.name == "pull_request" else event.sha
        self.rest["runs"].append(
            {"id": run_id, "name": name, "event": event.name, "head_sha": head, "status": "in_progress",
             "conclusion": None}
        )  # fmt: skip
        return run_id

    def end_run(self, run_id: int, conclusion: str) -> None:
        run = next(r for r in self.rest["runs"] if r["id"] == run_id)
        run.update(status="completed", conclusion=conclusion)

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The REST calls made since the last time, by method."""
        calls = [(name, params) for name, params in self.rest["calls"]]
        self.rest["calls"] = []
        return calls

    def comment(self, pull: Pull, body: str) -> None:
        """A person's comment on the pull request."""
        user = {"login": "a-reviewer", "type": "User"}
        self.rest["comments"].append(
            {"id": self._number(), "issue_number": pull.number, "body": body, "user": user}
        )

    def comments(self, pull: Pull) -> list[dict[str, Any]]:
        return [c for c in self.rest["comments"] if c["issue_number"] == pull.number]

    def open_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.rest["issues"] if i["state"] == "open"]


# ---------------------------------------------------------------------------------------------
# Runners


@dataclass
class StepRun:
    name: str
    outcome: str  # success, failure or skipped
    output: str = ""


@dataclass
class JobRun:
    job: str
    run_id: int
    conclusion: str | None  # None: the job's `if` left it out
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)

    @property
    def outcomes(self) -> dict[str, str]:
        return {s.name: s.outcome for s in self.steps}

    @property
    def output(self) -> str:
        return "\n".join(f"--- {s.name} ({s.outcome})\n{s.output}" for s in self.steps)


def _shell(shell: str | None) -> list[str]:
    """GitHub's shells on Linux: no `shell:` is `bash -e {0}`; `shell: bash` adds pipefail."""
    if shell is None:
        return ["bash", "-e"]
    if shell == "bash":
        return ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
    raise ExpressionError(f"unknown shell {shell!r}")


def _outputs(path: Path) -> dict[str, str]:
    """A step's outputs as GitHub reads $GITHUB_OUTPUT: `name=value` or `name<<DELIM` … `DELIM`."""
    outputs, lines = {}, iter(path.read_text().splitlines() if path.exists() else [])
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(itertools.takewhile(lambda v, d=delimiter: v != d, lines))
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def _python(version: str) -> Path:
    """The interpreter actions/setup-python would provide: this one, or pyenv's of the version."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return Path(sys._base_executable)
    found = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python3"))
    if not found:
        raise AssertionError(f"no Python {version} here for actions/setup-python")
    return found[-1]


class Runner:
    """One runner: its directory holds its workspace, HOME, tool cache and temp files."""

    def __init__(self, directory: Path, github: GitHub, secrets: Mapping[str, str],
                 machine_env: Mapping[str, str]) -> None:  # fmt: skip
        self.directory, self.github = directory, github
        self.secrets = dict(secrets)
        self.machine_env = dict(machine_env)
        self.workspace = directory / "work" / REPO / REPO
        self.home = directory / "home"
        for path in (self.workspace, self.home):
            path.mkdir(parents=True, exist_ok=True)
        self.workflow = load()
        self.jobs_run = directory / "jobs-run"  # the jobs this runner ran, whoever drove it
        self.jobs_run.touch()

    # --- the actions the workflow uses, as they behave here

    def _checkout(self, event: Event, with_: Mapping[str, str], job: Job) -> None:
        for entry in self.workspace.iterdir():
            if entry.name != "infra":
                _remove(entry)
        for entry in (self.workspace / "infra").glob("*") if (self.workspace / "infra").exists() else []:
            if entry.name != ".venv":
                _remove(entry)
        for path, text in self.github.commits[event.sha].items():
            (self.workspace / path).parent.mkdir(parents=True, exist_ok=True)
            (self.workspace / path).write_text(text)

    def _setup_python(self, event: Event, with_: Mapping[str, str], job: Job) -> None:
        tools = self.directory / "toolcache" / "python" / with_["python-version"] / "bin"
        tools.mkdir(parents=True, exist_ok=True)
        for name in ("python", "python3"):
            if not (tools / name).exists():
                (tools / name).symlink_to(_python(with_["python-version"]))
        job.path.insert(0, str(tools))

    def _pulumi(self, event: Event, with_: Mapping[str, str], job: Job) -> None:
        # the CLI's own files, as its release archive holds them
        tools = self.directory / "toolcache" / "pulumi" / "bin"
        tools.mkdir(parents=True, exist_ok=True)
        for name in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec",
                     "pulumi-resource-pulumi-python"):  # fmt: skip
            if not (tools / name).exists():
                (tools / name).symlink_to(VENV / "bin" / name)
        job.path.insert(0, str(tools))

    def _upload(self, event: Event, with_: Mapping[str, str], job: Job) -> None:
        key = (job.run_id, with_["name"])
        if key in self.github.artifacts:
            raise AssertionError(f"an artifact named {with_['name']} already exists in run {job.run_id}")
        source = self.workspace / with_["path"]
        target = self.github.store / f"{job.run_id}-{with_['name']}"
        target.mkdir(parents=True)
        shutil.copy(source, target / source.name)  # one file: it lies at the artifact's root
        self.github.artifacts[key] = target

    def _download(self, event: Event, with_: Mapping[str, str], job: Job) -> None:
        run_id = int(with_["run-id"])
        if self.github.tokens.get(job.run_id) != with_["github-token"]:
            raise AssertionError("download-artifact: not this run's token")
        artifact = self.github.artifacts.get((run_id, with_["name"]))
        if artifact is None:
            raise AssertionError(f"download-artifact: run {run_id} has no artifact {with_['name']!r}")
        shutil.copytree(artifact, self.workspace / with_["path"], dirs_exist_ok=True)

    def _github_script(
        self, event: Event, with_: Mapping[str, str], job: Job
    ) -> subprocess.CompletedProcess[str]:
        state = job.temp / "github.json"
        script = job.temp / "script.js"
        self.github.rest["permissions"] = self.workflow.get("permissions", {})
        state.write_text(json.dumps(self.github.rest))
        script.write_text(with_["script"])
        done = subprocess.run(
            ["node", str(GITHUB_SCRIPT), str(state), str(script)],
            cwd=self.workspace, env=job.env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        self.github.rest = json.loads(state.read_text())
        return done

    # --- running a job

    def run(self, job_name: str, event: Event) -> JobRun:
        """The workflow run `event` triggers, on this runner, as far as job `job_name` goes."""
        self._check_trigger(event)
        spec = self.workflow["jobs"][job_name]
        run_id = self.github.new_run(event, self.workflow["name"])
        job = Job(self, job_name, spec, event, run_id)
        if not condition(spec.get("if"), job.contexts()):
            self.github.end_run(run_id, "skipped")
            return JobRun(job_name, run_id, None)
        result = JobRun(job_name, run_id, "success")
        first = job_name not in self.jobs_run.read_text().split()
        self.jobs_run.write_text(f"{self.jobs_run.read_text()}{job_name}\n")
        for index, step in enumerate(spec["steps"]):
            name = step.get("name") or step.get("uses") or f"Run {step['run'].splitlines()[0]}"
            if result.conclusion != "success" or not condition(step.get("if"), job.contexts()):
                result.steps.append(StepRun(name, "skipped"))
                continue
            if not first and "run" in step and "python -m venv" in step["run"]:
                result.steps.append(
                    StepRun(name, "skipped")
                )  # the workspace's venv, as its first run left it
                continue
            outcome, output = job.step(index, step)
            result.steps.append(StepRun(name, outcome, output))
            if outcome != "success":
                result.conclusion = "failure"
        result.summary = job.summary.read_text() if job.summary.exists() else ""
        self.github.end_run(run_id, result.conclusion)
        self.github.logs.append(result.output)
        return result

    def _check_trigger(self, event: Event) -> None:
        """The workflow's `on:` lets `event` start it (branches, paths and pull request types)."""
        trigger = self.workflow["on"].get(event.name, "absent")
        if trigger == "absent":
            raise AssertionError(f"the workflow does not run on {event.name}")
        filters = dict(trigger or {}) if not isinstance(trigger, list) else {}
        for key, value in filters.items():
            if key == "paths":
                if not any(p.startswith(v.removesuffix("**")) for v in value for p in event.changed):
                    raise AssertionError(f"{event.name}: no changed path matches {value}")
            elif key == "branches":
                if event.ref.removeprefix("refs/heads/") not in value:
                    raise AssertionError(f"{event.name}: {event.ref} is not among {value}")
            elif key == "types":
                if event.payload["action"] not in value:
                    raise AssertionError(f"{event.name} {event.payload['action']!r}: not among {value}")
            else:
                raise ExpressionError(f"unknown trigger filter {key!r}")
        default_types = ("opened", "synchronize", "reopened")
        if (
            event.name == "pull_request"
            and "types" not in filters
            and event.payload["action"] not in default_types
        ):
            raise AssertionError(f"pull_request {event.payload['action']!r} does not start the workflow")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# Each action the workflow uses, its stand-in and the `with:` keys the stand-in knows.
ACTIONS: dict[str, tuple[Callable[..., Any], frozenset[str]]] = {
    "actions/checkout@v4": (Runner._checkout, frozenset()),
    "actions/setup-python@v5": (Runner._setup_python, frozenset({"python-version"})),
    "pulumi/actions@v6": (Runner._pulumi, frozenset()),
    "actions/upload-artifact@v4": (Runner._upload, frozenset({"name", "path"})),
    "actions/download-artifact@v4": (Runner._download, frozenset({"name", "run-id", "github-token", "path"})),
    "actions/github-script@v7": (Runner._github_script, frozenset({"script"})),
}


class Job:
    """One job's run on a runner: its contexts, environment, outputs and temp files."""

    def __init__(self, runner: Runner, name: str, spec: Mapping[str, Any], event: Event, run_id: int) -> None:
        self.runner, self.name, self.spec, self.event, self.run_id = runner, name, spec, event, run_id
        self.temp = runner.directory / "temp"  # RUNNER_TEMP, emptied for each job as GitHub does
        shutil.rmtree(self.temp, ignore_errors=True)
        self.temp.mkdir()
        self.summary = self.temp / "step_summary.md"
        (self.temp / "event.json").write_text(json.dumps(event.payload))
        self.path: list[str] = []
        self.steps: dict[str, dict[str, Any]] = {}

    def contexts(self) -> dict[str, Any]:
        github = {
            "event_name": self.event.name, "event": self.event.payload, "sha": self.event.sha,
            "ref": self.event.ref, "token": self.runner.github.tokens[self.run_id],
            "workflow": self.runner.workflow["name"], "repository": f"{OWNER}/{REPO}",
        }  # fmt: skip
        return {"github": github, "secrets": self.runner.secrets, "steps": self.steps}

    def env(self, step: Mapping[str, Any] | None = None) -> dict[str, str]:
        contexts = self.contexts()
        declared = {
            **self.runner.workflow.get("env", {}),
            **self.spec.get("env", {}),
            **(step or {}).get("env", {}),
        }
        return {
            **self.runner.machine_env,
            "HOME": str(self.runner.home),
            "PATH": os.pathsep.join([*self.path, BASE_PATH]),
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": str(self.temp),
            "GITHUB_WORKSPACE": str(self.runner.workspace), "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_EVENT_NAME": self.event.name, "GITHUB_EVENT_PATH": str(self.temp / "event.json"),
            "GITHUB_SHA": self.event.sha, "GITHUB_REF": self.event.ref, "GITHUB_JOB": self.name,
            "GITHUB_WORKFLOW": self.runner.workflow["name"], "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_OUTPUT": str(self.temp / "output"), "GITHUB_PATH": str(self.temp / "path"),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            **{k: interpolate(str(v), contexts) for k, v in declared.items()},
        }  # fmt: skip

    def step(self, index: int, step: Mapping[str, Any]) -> tuple[str, str]:
        """Run one step: its outcome (success or failure) and what it printed."""
        output_file, path_file = self.temp / "output", self.temp / "path"
        output_file.write_text("")
        path_file.write_text("")
        contexts = self.contexts()
        if "uses" in step:
            known = ACTIONS.get(step["uses"])
            if known is None:
                raise ExpressionError(f"no stand-in for the action {step['uses']}")
            action, accepted = known
            with_ = {k: interpolate(str(v), contexts) for k, v in step.get("with", {}).items()}
            if set(with_) - accepted:
                raise ExpressionError(
                    f"{step['uses']}: no stand-in for `with: {sorted(set(with_) - accepted)}`"
                )
            done = action(self.runner, self.event, with_, self)
            outcome = "success" if done is None or done.returncode == 0 else "failure"
            printed = "" if done is None else done.stdout + done.stderr
        else:
            outcome, printed = self._run(step, contexts)
        if "id" in step:
            self.steps[step["id"]] = {"outputs": _outputs(output_file), "outcome": outcome}
        # directories a step adds to $GITHUB_PATH come first in the next steps' PATH
        self.path[:0] = reversed(path_file.read_text().splitlines())
        return outcome, printed

    def _run(self, step: Mapping[str, Any], contexts: Mapping[str, Any]) -> tuple[str, str]:
        defaults = self.spec.get("defaults", {}).get("run", {})
        directory = step.get("working-directory", defaults.get("working-directory", "."))
        script = self.temp / f"step-{time.monotonic_ns()}.sh"
        script.write_text(interpolate(step["run"], contexts))
        log = self.temp / f"{script.stem}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [*_shell(step.get("shell", defaults.get("shell"))), str(script)],
                cwd=self.runner.workspace / directory, env=self.env(step),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            try:
                returncode = process.wait(timeout=300)
            finally:
                if process.poll() is None:
                    kill_session(process.pid)
        return ("success" if returncode == 0 else "failure"), log.read_text()
