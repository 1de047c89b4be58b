"""The providers' check and diff rules as plain functions: normalisation, unknowns, what
changes cause an update, a replace, or nothing."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from devtools.stack import ROOT
from maytapi_pulumi import InvalidInputError, MaytapiError, PhoneConfigBody, PhoneNotFoundError, Settings
from maytapi_pulumi._actions import LogoutProvider, RedeployProvider
from maytapi_pulumi._core import action as action_rules
from maytapi_pulumi._core import common
from maytapi_pulumi._core import phone_config as rules
from maytapi_pulumi._core.hands import Claims, Declarations
from maytapi_pulumi._endpoints import Action
from maytapi_pulumi._phone_config import PhoneConfigArgs, PhoneConfigProvider
from maytapi_pulumi._provider import from_sdk, resource_props

PROVIDER = {"__provider": "blob"}
OUTS = {"phone_id": "12", "webhook": "https://a.example.com", "ack_delivery": True, "allow_insecure_http": False,
        "adopt": False, "reapply_trigger": None, "__provider": "old-blob"}  # fmt: skip


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAYTAPI_PRODUCT_ID", "00000000-0000-4000-8000-000000000001")
    monkeypatch.setenv("MAYTAPI_API_TOKEN", "t")


def check(**news: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    result = PhoneConfigProvider().check({}, {**PROVIDER, **news})
    return result.inputs, [(f.property, f.reason) for f in result.failures]


def test_check_normalises_phone_ids_empty_webhooks_and_defaults() -> None:
    inputs, failures = check(phone_id=12.0, webhook="")
    assert failures == []
    assert inputs == {"phone_id": "12", "webhook": "", "ack_delivery": False, "allow_insecure_http": False,
                      "adopt": False, "reapply_trigger": None}  # fmt: skip


def test_check_passes_unknown_values_through_untouched() -> None:
    inputs, failures = check(phone_id=UNKNOWN, webhook=UNKNOWN)
    assert failures == [] and inputs["phone_id"] == UNKNOWN and inputs["webhook"] == UNKNOWN


def test_check_collects_one_failure_per_bad_property() -> None:
    _, failures = check(phone_id="x", webhook="ftp://a", ack_delivery="yes", colour="red")
    assert sorted(p for p, _ in failures) == ["ack_delivery", "colour", "phone_id", "webhook"]


def test_check_without_settings_fails_with_the_config_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAYTAPI_API_TOKEN")
    _, failures = check(phone_id="12")
    assert len(failures) == 1 and "pulumi config set --secret maytapi:apiToken" in failures[0][1]


def diff(olds: dict[str, Any], **news: Any) -> tuple[bool | None, list[str]]:
    result = PhoneConfigProvider().diff("12", olds, {**OUTS, "__provider": "new-blob", **news})
    return result.changes, list(result.replaces or [])


def test_diff_ignores_a_new_serialized_provider() -> None:
    assert diff(OUTS) == (False, [])


@pytest.mark.parametrize("field", ["webhook", "ack_delivery", "reapply_trigger"])
def test_diff_updates_in_place_for_config_fields(field: str) -> None:
    assert diff(OUTS, **{field: "changed"}) == (True, [])


def test_diff_replaces_for_another_phone_and_for_an_unknown_one() -> None:
    assert diff(OUTS, phone_id="13") == (True, ["phone_id"])
    assert diff(OUTS, phone_id=UNKNOWN) == (True, ["phone_id"])


def test_diff_compares_against_the_outputs_so_refreshed_drift_shows() -> None:
    drifted = {**OUTS, "webhook": "https://drift.example.com"}
    assert diff(drifted) == (True, [])


def action_diff(olds: dict[str, Any], **news: Any) -> bool | None:
    base = {"phone_id": "12", "revision": "r1", "fire_on_create": True, "__provider": "new"}
    return RedeployProvider().diff("id", olds, {**base, **news}).changes


def test_action_diff_fires_only_for_revision_or_phone_changes() -> None:
    olds = {"phone_id": "12", "revision": "r1", "fire_on_create": True, "fired": True, "__provider": "old"}
    assert action_diff(olds) is False
    assert action_diff(olds, fire_on_create=False) is False
    assert action_diff(olds, revision="r2") is True
    assert action_diff(olds, revision=UNKNOWN) is True
    assert action_diff(olds, phone_id="13") is True
    # a counter revision read back as a float is the same revision
    assert action_diff({**olds, "revision": 1}, revision=1.0) is False


def test_action_check_keeps_integer_revisions_integers() -> None:
    result = LogoutProvider().check({}, {**PROVIDER, "phone_id": 12, "revision": 3.0})
    assert (
        result.failures == []
        and result.inputs["revision"] == 3
        and isinstance(result.inputs["revision"], int)
    )


def test_a_thousand_action_providers_pickle_in_one_program() -> None:
    # The SDK's serialize_provider wraps pickle's dict writer once more on every call; a
    # provider object with state would recurse through every wrapper (RecursionError near 970).
    code = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "from maytapi_pulumi._actions import FactoryResetProvider, LogoutProvider, RedeployProvider\n"
        "from maytapi_pulumi._phone_config import PhoneConfigProvider\n"
        "for kind in (RedeployProvider, FactoryResetProvider, LogoutProvider, PhoneConfigProvider):\n"
        "    blobs = {serialize_provider(kind()) for _ in range(1200)}\n"
        "    assert len(blobs) == 1 and len(next(iter(blobs))) < 512, kind\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_an_uncertain_action_is_not_fired_again_without_the_users_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    olds = {"phone_id": "12", "revision": "r1", "fired": False, "uncertain": True, "message": "lost"}
    news = {**PROVIDER, "phone_id": "12", "revision": "r1", "fire_on_create": True}
    with pytest.raises(MaytapiError, match="MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up"):
        RedeployProvider().diff("id", olds, news)
    # a new revision is not a repeat: it fires as usual
    assert RedeployProvider().diff("id", olds, {**news, "revision": "r2"}).changes is True
    for answer in ("happened", "not-happened"):
        monkeypatch.setenv("MAYTAPI_UNCERTAIN_ACTIONS", answer)
        assert RedeployProvider().diff("id", olds, news).changes is True
    # a typo is refused at preview, naming the variable and the answers
    monkeypatch.setenv("MAYTAPI_UNCERTAIN_ACTIONS", "yes")
    failures = [f.reason for f in RedeployProvider().check({}, news).failures]
    assert failures == [
        "MAYTAPI_UNCERTAIN_ACTIONS: 'yes' is not an answer; use happened or not-happened, alone for every "
        "action of the run or naming phones, e.g. MAYTAPI_UNCERTAIN_ACTIONS='happened:12,13 not-happened:14'"
    ]


def test_it_happened_records_the_action_without_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAYTAPI_UNCERTAIN_ACTIONS", "happened")
    props = {"phone_id": "12", "revision": "r1", "fire_on_create": True}
    # the client would fail: no server listens there
    monkeypatch.setenv("MAYTAPI_BASE_URL", "http://127.0.0.1:9/api")
    outs = RedeployProvider().update("id", {}, props).outs
    assert outs["fired"] is True and outs["uncertain"] is False and outs["fired_at"]
    assert "not called" in outs["message"]


def test_unknowns_nested_in_values_reach_the_core_and_go_back_in_the_sdks_form() -> None:
    news = {**PROVIDER, "phone_id": "12", "reapply_trigger": {"at": Unknown(), "list": [UNKNOWN, 1]}}
    inputs, failures = check(**news)
    assert failures == [] and inputs["reapply_trigger"] == {"at": UNKNOWN, "list": [UNKNOWN, 1]}
    assert diff(OUTS, reapply_trigger={"at": Unknown()}) == (True, [])
    assert from_sdk({"x": [{"y": Unknown()}]}) == {"x": [{"y": common.UNKNOWN}]}


def test_every_input_may_be_unknown_in_either_form() -> None:
    for unknown in (UNKNOWN, Unknown()):
        _, failures = check(**dict.fromkeys(rules.INPUTS, unknown))
        assert failures == []
        result = RedeployProvider().check(
            {}, {**PROVIDER, **dict.fromkeys(action_rules.rules(Action.REDEPLOY), unknown)}
        )
        assert result.failures == [] and set(result.inputs.values()) == {UNKNOWN}
        assert action_diff({"phone_id": "12", "revision": "r1"}, revision=unknown) is True


class FakeClient:
    """Records calls; `missing` phones answer as Maytapi does for an unknown id."""

    def __init__(self, missing: tuple[str, ...] = ()) -> None:
        self.settings = Settings(product_id="00000000-0000-4000-8000-000000000001", api_token="t")
        self.missing = missing
        self.calls: list[tuple[str, str]] = []

    def _answer(self, operation: str, phone_id: str) -> PhoneConfigBody:
        self.calls.append((operation, phone_id))
        if phone_id in self.missing:
            raise PhoneNotFoundError(
                operation, phone_id, 200, f"[{phone_id}] is not a valid phone instance id"
            )
        return PhoneConfigBody(webhook="", ack_delivery=False)

    def get_config(self, phone_id: str) -> PhoneConfigBody:
        return self._answer("get", phone_id)

    def set_config(self, phone_id: str, webhook: str | None, ack_delivery: bool) -> PhoneConfigBody:
        return self._answer("set", phone_id)


def test_a_delete_skips_the_reset_of_a_phone_written_earlier_in_the_deployment(tmp_path: Path) -> None:
    client, claims = FakeClient(), Claims(tmp_path / "claims")
    rules.delete(client, {"phone_id": "12"}, claims=claims)
    rules.update(client, {"phone_id": "13", "webhook": None, "ack_delivery": False}, claims=claims)
    rules.delete(client, {"phone_id": "13"}, claims=claims)
    assert client.calls == [("set", "12"), ("set", "13")]


def test_a_delete_waits_for_a_write_of_the_same_phone_in_flight_then_skips_its_reset(tmp_path: Path) -> None:
    # The engine may run a delete and another resource's write of the same phone at once (two
    # delete-before-replace chains swapping phones): the reset must not land after the write.
    writing, release = threading.Event(), threading.Event()

    class SlowWrite(FakeClient):
        def set_config(self, phone_id: str, webhook: str | None, ack_delivery: bool) -> PhoneConfigBody:
            if webhook is not None:
                writing.set()
                release.wait(10)
            return super().set_config(phone_id, webhook, ack_delivery)

    client, claims = SlowWrite(), Claims(tmp_path)
    news = {"phone_id": "12", "webhook": "https://hooks.example.com/b", "ack_delivery": False}
    writer = threading.Thread(target=rules.update, args=(client, news), kwargs={"claims": claims})
    writer.start()
    assert writing.wait(10)
    deleter = threading.Thread(
        target=rules.delete, args=(client, {"phone_id": "12"}), kwargs={"claims": claims}
    )
    deleter.start()
    deleter.join(1)  # without the phone's lock, the reset would be sent now
    release.set()
    writer.join(10)
    deleter.join(10)
    assert client.calls == [("set", "12")]


def test_a_vanished_phone_is_gone_on_refresh_deleted_without_error_and_named_on_get(tmp_path: Path) -> None:
    client = FakeClient(missing=("14",))
    assert rules.read(client, "14", {"phone_id": "14", "ack_delivery": True}, managed=True) is None
    rules.delete(client, {"phone_id": "14"}, claims=Claims(tmp_path))
    with pytest.raises(MaytapiError, match="phone 14 does not exist in this Maytapi product"):
        rules.read(client, "14", {"phone_id": "14"}, managed=False)
    assert "phone 14 no longer exists" in rules.vanished("14")


def test_claims_are_shared_by_the_plugins_of_one_engine_and_stale_ones_are_removed(tmp_path: Path) -> None:
    ours = Claims.of_engine(os.getpid(), "127.0.0.1:1", root=tmp_path)
    # another plugin process of the same engine (the native provider beside the dynamic one)
    code = (
        "import sys; from pathlib import Path; from maytapi_pulumi._core.hands import Claims\n"
        "Claims.of_engine(int(sys.argv[1]), '127.0.0.1:1', root=Path(sys.argv[2])).claim('p', '12')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(os.getpid()), str(tmp_path)], check=True, cwd=ROOT)
    assert ours.claimed("p", "12") and not ours.claimed("p", "13") and not ours.claimed("q", "12")
    # another engine, even with the same address, sees none of them
    assert not Claims.of_engine(os.getpid(), "127.0.0.1:2", root=tmp_path).claimed("p", "12")
    # a registry whose engine has exited is removed by the next engine that opens one
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = Claims.of_engine(int(exited.stdout), "127.0.0.1:1", root=tmp_path)
    stale.claim("p", "12")
    Claims.of_engine(os.getpid(), "127.0.0.1:3", root=tmp_path)
    assert not stale.directory.exists() and ours.directory.exists()
    # so is one whose pid now names another process (another start time)
    reused = tmp_path / f"{os.getpid()}-1-0123456789abcdef"
    reused.mkdir()
    Claims.of_engine(os.getpid(), "127.0.0.1:3", root=tmp_path)
    assert not reused.exists() and ours.directory.exists()


def test_two_resources_may_not_declare_one_phone() -> None:
    declarations = Declarations()
    declarations.declare("12", "PhoneConfig 'a'")
    declarations.declare(12.0, "PhoneConfig 'a'")  # the same resource again (a check per run)
    declarations.declare("not a phone", "PhoneConfig 'c'")  # left to the input check
    with pytest.raises(
        InvalidInputError, match="phone 12 is declared by both PhoneConfig 'a' and PhoneConfig 'b'"
    ):
        declarations.declare(12, "PhoneConfig 'b'")


def test_the_two_resources_of_one_phone_are_named_in_the_same_order_whichever_came_first() -> None:
    # A native provider's Checks arrive in no fixed order: the message must not depend on it.
    for first, second in (("PhoneConfig 'b2'", "PhoneConfig 'c'"), ("PhoneConfig 'c'", "PhoneConfig 'b2'")):
        declarations = Declarations()
        declarations.declare("12", first)
        with pytest.raises(InvalidInputError, match="both PhoneConfig 'b2' and PhoneConfig 'c';"):
            declarations.declare("12", second)


DYNAMIC = ("maytapi_pulumi._provider", "maytapi_pulumi._phone_config", "maytapi_pulumi._actions")
NATIVE = ("maytapi_pulumi._native",)


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file of the package imports, relative imports resolved; for `from m
    import name`, `m.name` too (it may be a module)."""
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize(
    ("adapter", "other"),
    [(DYNAMIC, NATIVE), (NATIVE, DYNAMIC)],
    ids=["dynamic", "native"],
)
def test_the_adapters_stand_side_by_side(adapter: tuple[str, ...], other: tuple[str, ...]) -> None:
    # What both need of the engine (its address, the deployment's claims, warnings) lives
    # below both, in _plugin. The package itself is the facade, which loads the dynamic
    # resources: importing it counts as importing them.
    files = [p for p in (ROOT / "maytapi_pulumi").rglob("*.py") if within(module_of(p), adapter)]
    assert len(files) >= len(adapter)
    crossing = {
        module_of(f): sorted(m for m in imported_modules(f) if within(m, other) or m == "maytapi_pulumi")
        for f in files
    }
    assert {f: m for f, m in crossing.items() if m} == {}


def test_keywords_beside_an_args_object_are_merged_into_it() -> None:
    # A dynamic resource's own rule: the generated SDK of the native provider takes an args
    # object alone, as Pulumi's SDKs do (tests/test_compositions.py gives each its inputs in one).
    args = PhoneConfigArgs(phone_id="12", webhook="https://a.example.com", ack_delivery=True)
    values = {"phone_id": None, "webhook": "https://b.example.com", "ack_delivery": None, "adopt": None}
    props = resource_props(args, values, {"webhok": "x"}, ("phone_id", "webhook", "ack_delivery"))
    assert props == {
        "phone_id": "12",
        "webhook": "https://b.example.com",
        "ack_delivery": True,
        "webhok": "x",
    }


def test_a_plugin_exits_once_its_engine_is_killed() -> None:
    # The engine, here a Python process, starts the plugin and is killed (SIGKILL, as a lost
    # CI runner): the plugin, reparented, ends on its own instead of serving no one forever.
    plugin = (
        "import time; from maytapi_pulumi._plugin import exit_with_engine; "
        "exit_with_engine(poll=0.05); print('serving', flush=True); time.sleep(60)"
    )
    engine = (
        "import os, signal, subprocess, sys; "
        f"child = subprocess.Popen([sys.executable, '-c', {plugin!r}], stdout=subprocess.PIPE, "
        "stderr=subprocess.DEVNULL); child.stdout.readline(); "
        "print(child.pid, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run(
        [sys.executable, "-c", engine], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    pid = int(done.stdout)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "the plugin outlived its engine"
        time.sleep(0.1)
