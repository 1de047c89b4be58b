"""Pulumi's resource options and CLI flags on the resources, through the real CLI: each step
states the API calls it makes and the emulator's final state of every phone. Each program is
plain declarations, so each case runs on the dynamic resources, on the native provider's
Python SDK and in YAML."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi._native.schema import snake
from tests.conftest import PREVIEWED, WITH_YAML, Calls, Family, phones, summary, yaml_program

A, B, C = "https://a.example.com/hook", "https://b.example.com/hook", "https://c.example.com/hook"
DEFAULT = ("", False)

Options = Mapping[str, object]


def urn(family: Family, name: str) -> str:
    return f"urn:pulumi:dev::maytapi-test::{family.type_token('PhoneConfig')}::{name}"


def configs(family: Family, *resources: tuple[str, str, str, Options]) -> str:
    """PhoneConfigs `(name, phone, webhook, options)`; options named as in YAML, an alias by
    the resource's old name."""
    if family.language == "yaml":
        return yaml_program(
            *(
                (name, "PhoneConfig", {"phoneId": phone, "webhook": hook}, _yaml_options(family, opts))
                for name, phone, hook, opts in resources
            )
        )
    lines = ["import pulumi", family.imports("PhoneConfig")]
    for name, phone, hook, opts in resources:
        python = ", ".join(f"{snake(k)}={_python_option(k, v)}" for k, v in opts.items())
        lines.append(
            f'PhoneConfig("{name}", phone_id="{phone}", webhook="{hook}", opts=pulumi.ResourceOptions({python}))'
        )
    return "\n".join(lines) + "\n"


def _python_option(key: str, value: object) -> str:
    return f"[pulumi.Alias(name={value!r})]" if key == "aliases" else repr(value)


def _yaml_options(family: Family, opts: Options) -> dict[str, object]:
    return {k: [urn(family, str(v))] if k == "aliases" else v for k, v in opts.items()}


def two(
    family: Family,
    a: Options | None = None,
    b: Options | None = None,
    hook_a: str = A,
    hook_b: str = B,
    name_a: str = "a",
    phones: str = "12 13",
) -> str:
    """PhoneConfigs "a" (options `a`) and "b" (options `b`), on the two `phones`."""
    phone_a, phone_b = phones.split()
    return configs(family, (name_a, phone_a, hook_a, a or {}), ("b", phone_b, hook_b, b or {}))


@pytest.mark.parametrize("family", WITH_YAML, ids=str)
def test_options_and_flags_on_one_stack(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(two(family), family=family)
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]

    # ignore_changes: a changed webhook is not sent
    family.write(project, two(family, a={"ignoreChanges": ["webhook"]}, hook_a=C))
    assert "3 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []
    assert phones(emu, "12") == {"12": (A, False)}

    # aliases: a renamed with an alias to its old name is the same resource: no call
    family.write(project, two(family, a={"aliases": "a"}, name_a="a2"))
    assert "3 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []

    # --target: of two changed resources only the targeted one is updated
    family.write(project, two(family, a={"aliases": "a"}, name_a="a2", hook_a=C, hook_b=C))
    project.cli("up", "--yes", "--target", urn(family, "b"))
    assert calls.take() == [("POST", "/13/config")]
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}

    # preview --refresh reads each phone once and shows the drift; up --refresh (that preview
    # being its own) reads them again, then writes only the drifted one
    family.write(project, two(family, name_a="a2", hook_b=C))
    emu.set_phone("13", webhook="https://drift.example.com/")
    calls.take()
    preview = project.cli("preview", "--refresh")
    assert sorted(calls.take()) == [("GET", "/12/config"), ("GET", "/13/config")]
    assert "~ 1 to update" in summary(preview)
    project.cli("up", "--refresh", *PREVIEWED)
    assert sorted(calls.take()) == [("GET", "/12/config"), ("GET", "/13/config"), ("POST", "/13/config")]
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}

    # protect: destroy refuses, no call
    family.write(project, two(family, name_a="a2", b={"protect": True}, hook_b=C))
    project.cli("up", "--yes")
    destroy = project.cli("destroy", "--yes", check=False)
    assert destroy.returncode != 0 and "protected" in destroy.output
    assert calls.take() == []

    # pulumi state delete forgets the resource (unprotected first): no call, phone untouched
    project.cli("state", "unprotect", urn(family, "b"), "--yes")
    project.cli("state", "delete", urn(family, "b"), "--yes")
    assert calls.take() == []
    assert phones(emu, "13") == {"13": (C, False)}

    # retain_on_delete: a resource that leaves the program is forgotten, the phone untouched
    family.write(project, configs(family, ("a2", "12", A, {"retainOnDelete": True})))
    project.cli("up", "--yes")
    assert calls.take() == []
    family.write(project, configs(family))
    project.cli("up", "--yes")
    assert calls.take() == []
    assert project.resources(":PhoneConfig") == []
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}


@pytest.mark.parametrize("family", WITH_YAML, ids=str)
def test_delete_before_replace_swaps_phones_with_each_reset_before_the_write(
    make_project: Callable[..., Project], emu: RunningEmulator, family: Family
) -> None:
    before = {"deleteBeforeReplace": True}
    project = make_project(two(family, before, before, phones="12 13"), family=family)
    project.cli("up", "--yes")
    family.write(project, two(family, before, before, phones="13 12"))
    seen = len(emu.api_calls())
    project.cli("up", "--yes")
    sent = emu.api_calls()[seen:]
    assert {(c["method"], c["path"].split("/")[-2]) for c in sent} == {("POST", "12"), ("POST", "13")}
    # Each resource's chain is its delete (a reset), then its create (a write), and the engine
    # runs the two chains at once: whatever the interleaving, each phone gets its reset, then
    # its write, or only the write when the other resource's write got there first (a delete
    # skips a phone written, or being written, in this deployment); never a reset after a write.
    for phone, hook in (("12", B), ("13", A)):
        webhooks = [c["json"]["webhook"] for c in sent if c["path"].endswith(f"/{phone}/config")]
        assert webhooks in (["", hook], [hook]), (phone, webhooks)
    assert phones(emu, "12", "13") == {"12": (B, False), "13": (A, False)}


@pytest.mark.parametrize("family", WITH_YAML, ids=str)
def test_replace_on_changes(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    opts = {"replaceOnChanges": ["webhook"], "deleteBeforeReplace": True}
    project = make_project(two(family, a=opts), family=family)
    project.cli("up", "--yes")
    calls.take()
    family.write(project, two(family, a=opts, hook_a=C))
    preview = project.cli("preview", "--diff")
    if family.native:
        # The native provider's diff names `webhook`, so the engine honours the option: the
        # config is replaced, deleted first (the default restored), then written again
        assert "+-1 to replace" in summary(preview)
        assert summary(project.cli("up", *PREVIEWED)) == "+-1 replaced 2 unchanged"
        assert calls.take() == [("POST", "/12/config"), ("POST", "/12/config")]
        assert [c["json"]["webhook"] for c in emu.api_calls()[-2:]] == ["", C]
    else:
        # The dynamic-provider host sends the engine no changed keys, only "changes: some", so
        # the engine cannot tell that `webhook` changed: the option has no effect, an update
        assert "~ 1 to update" in summary(preview) and "replace" not in summary(preview)
        assert summary(project.cli("up", "--yes")) == "~ 1 updated 2 unchanged"
        assert calls.take() == [("POST", "/12/config")]
    assert phones(emu, "12") == {"12": (C, False)}
