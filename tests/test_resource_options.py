"""Pulumi's resource options and CLI flags on the resources, through the real CLI: each step
states the API calls it makes and the emulator's final state of every phone."""

from __future__ import annotations

from collections.abc import Callable

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from tests.conftest import Calls, phones, summary

A, B, C = "https://a.example.com/hook", "https://b.example.com/hook", "https://c.example.com/hook"
DEFAULT = ("", False)
URN = "urn:pulumi:dev::maytapi-test::pulumi-python:dynamic/maytapi:PhoneConfig::"


def two(
    a: str = "", b: str = "", hook_a: str = A, hook_b: str = B, name_a: str = "a", phones: str = "12 13"
) -> str:
    """PhoneConfigs "a" (options `a`) and "b" (options `b`), on the two `phones`."""
    phone_a, phone_b = phones.split()
    return f"""
import pulumi
from maytapi_pulumi import PhoneConfig
PhoneConfig("{name_a}", phone_id="{phone_a}", webhook="{hook_a}", opts=pulumi.ResourceOptions({a}))
PhoneConfig("b", phone_id="{phone_b}", webhook="{hook_b}", opts=pulumi.ResourceOptions({b}))
"""


def test_options_and_flags_on_one_stack(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(two())
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]

    # ignore_changes: a changed webhook is not sent
    project.write_program(two(a='ignore_changes=["webhook"]', hook_a=C))
    assert "3 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []
    assert phones(emu, "12") == {"12": (A, False)}

    # aliases: a renamed with an alias to its old name is the same resource: no call
    project.write_program(two(a='aliases=[pulumi.Alias(name="a")]', name_a="a2"))
    assert "3 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []

    # --target: of two changed resources only the targeted one is updated
    project.write_program(two(a='aliases=[pulumi.Alias(name="a")]', name_a="a2", hook_a=C, hook_b=C))
    project.cli("up", "--yes", "--target", URN + "b")
    assert calls.take() == [("POST", "/13/config")]
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}

    # preview --refresh reads each phone once and shows the drift; up --refresh reads them in
    # its preview and again in the update, then writes only the drifted one
    project.write_program(two(name_a="a2", hook_b=C))
    emu.set_phone("13", webhook="https://drift.example.com/")
    calls.take()
    preview = project.cli("preview", "--refresh")
    assert sorted(calls.take()) == [("GET", "/12/config"), ("GET", "/13/config")]
    assert "~ 1 to update" in summary(preview)
    project.cli("up", "--refresh", "--yes")
    assert sorted(calls.take()) == [("GET", "/12/config")] * 2 + [("GET", "/13/config")] * 2 + [
        ("POST", "/13/config")
    ]
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}

    # protect: destroy refuses, no call
    project.write_program(two(name_a="a2", b="protect=True", hook_b=C))
    project.cli("up", "--yes")
    destroy = project.cli("destroy", "--yes", check=False)
    assert destroy.returncode != 0 and "protected" in destroy.output
    assert calls.take() == []

    # pulumi state delete forgets the resource (unprotected first): no call, phone untouched
    project.cli("state", "unprotect", URN + "b", "--yes")
    project.cli("state", "delete", URN + "b", "--yes")
    assert calls.take() == []
    assert phones(emu, "13") == {"13": (C, False)}

    # retain_on_delete: a resource that leaves the program is forgotten, the phone untouched
    project.write_program(two(name_a="a2", a="retain_on_delete=True").split('PhoneConfig("b"')[0])
    project.cli("up", "--yes")
    assert calls.take() == []
    project.write_program("import pulumi\n")
    project.cli("up", "--yes")
    assert calls.take() == []
    assert project.resources(":PhoneConfig") == []
    assert phones(emu, "12", "13") == {"12": (A, False), "13": (C, False)}


def test_delete_before_replace_swaps_phones_with_each_reset_before_the_write(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(two("delete_before_replace=True", "delete_before_replace=True", phones="12 13"))
    project.cli("up", "--yes")
    calls.take()
    project.write_program(two("delete_before_replace=True", "delete_before_replace=True", phones="13 12"))
    project.cli("up", "--yes")
    log = calls.take()
    # the engine deletes both old ones first (2 resets), then creates the new ones (2 writes):
    # 4 calls. Whatever the order, no write is undone: a delete skips a phone already written
    # in this deployment.
    assert len(log) == 4 and sorted(log[:2]) == sorted(log[2:]) == [
        ("POST", "/12/config"),
        ("POST", "/13/config"),
    ]
    assert [c["json"]["webhook"] for c in emu.api_calls()[-4:-2]] == ["", ""]
    assert phones(emu, "12", "13") == {"12": (B, False), "13": (A, False)}


def test_replace_on_changes_has_no_effect_on_dynamic_resources(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # The dynamic-provider host sends the engine no changed keys, only "changes: some", so the
    # engine cannot tell that `webhook` changed and plans an update, not a replace.
    project = make_project(two(a='replace_on_changes=["webhook"]'))
    project.cli("up", "--yes")
    calls.take()
    project.write_program(two(a='replace_on_changes=["webhook"]', hook_a=C))
    preview = project.cli("preview")
    assert "~ 1 to update" in summary(preview) and "replace" not in summary(preview)
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]
    assert phones(emu, "12") == {"12": (C, False)}
