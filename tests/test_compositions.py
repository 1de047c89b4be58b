"""Programs whose inputs flow between resources, through the real CLI as users type it
(`pulumi preview`, `pulumi up` with its preview, `pulumi refresh`, `pulumi destroy`): unknown
inputs at preview, phones that change hands, phones that vanish. Each step states the API calls
it makes and the emulator's final state of every phone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from tests.conftest import PREVIEWED, WITH_YAML, Calls, Family, phones, summary, yaml_program

A, B = "https://a.example.com/hook", "https://b.example.com/hook"
DEFAULT = ("", False)
STATUS = ("GET", "/13/status")


def writes(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The calls without the readiness polls of a Redeploy that waits (their number varies)."""
    return sorted(c for c in calls if c != STATUS)


# -- unknown inputs -----------------------------------------------------------------------


def unknowns_program(
    family: Family, revision: str, webhook: str = "https://x.example.com", origin: str = "14"
) -> str:
    # Every input of every kind comes from `src`, an action created, then updated, in the same
    # run: its fired_at is unknown at each preview; nested unknowns too (reapply_trigger).
    # `after` takes its revision from `origin`, a PhoneConfig replaced in the same run. The
    # args objects hold every input: the generated SDK, as Pulumi's SDKs do, takes an args
    # object alone (the dynamic resources would merge keywords given beside it).
    return f"""
{family.imports("Logout", "PhoneConfig", "PhoneConfigArgs", "Redeploy", "RedeployArgs")}
origin = PhoneConfig("origin", phone_id="{origin}", webhook="https://o.example.com")
Logout("after", phone_id="14", revision=origin.ack_delivery.apply(lambda acks: f"acks-{{acks}}"),
       fire_on_create=False)
src = Redeploy("src", phone_id="12", revision="{revision}")
known = lambda value: src.fired_at.apply(lambda _: value)
cfg = PhoneConfig("cfg", PhoneConfigArgs(phone_id=known("13"), webhook=known("{webhook}"),
                  ack_delivery=src.fired, allow_insecure_http=known(False), adopt=known(False),
                  reapply_trigger={{"at": src.fired_at, "list": [src.fired_at, 1]}}))
Redeploy("follow", RedeployArgs(phone_id=cfg.phone_id, revision=src.fired_at,
         fire_on_create=src.fired, wait_until_ready=known(True), ready_timeout=known(30)))
"""


def test_inputs_unknown_at_preview_of_every_kind(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(unknowns_program(family, "1"))

    # preview of a first create: every input of cfg and follow unknown; no call
    preview = project.cli("preview")
    assert "+ 6 to create" in summary(preview)
    assert calls.take() == []

    # up: each resource once, with what the program resolves to
    project.cli("up", *PREVIEWED)
    assert writes(calls.take()) == [
        ("GET", "/12/redeploy"), ("GET", "/13/redeploy"), ("POST", "/13/config"), ("POST", "/14/config")
    ]  # fmt: skip
    hook_x, hook_o = ("https://x.example.com", True), ("https://o.example.com", False)
    assert phones(emu, "12", "13", "14") == {"12": DEFAULT, "13": hook_x, "14": hook_o}

    # no-op up: nothing to do, no call
    assert "6 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []

    # src updated and origin replaced: at preview src's outputs are unknown again, so cfg may
    # be replaced (its phone_id is unknown) and follow may fire. The engine previews a
    # replacement's outputs from its checked inputs (defaults included), so after's revision
    # is known and unchanged. 0 calls
    project.write_program(unknowns_program(family, "2", origin="12"))
    preview = project.cli("preview", "--diff")
    assert "+-2 to replace" in summary(preview) and "~ 2 to update" in summary(preview)
    assert re.search(rf'{family.prop("phone_id")}\s*: "13" => \[unknown\]', preview.stdout)
    assert re.search(r'revision\s*: "2026', preview.stdout)
    assert calls.take() == []
    # the up applies what they resolve to: cfg keeps its phone, so it is only sent again (its
    # reapply_trigger changed); follow fires once; after's revision resolves to the same
    # value (no call); origin writes 12 and restores 14
    up = project.cli("up", *PREVIEWED)
    assert "~ 3 updated" in summary(up) and "+-1 replaced" in summary(up)
    assert writes(calls.take()) == [
        ("GET", "/12/redeploy"), ("GET", "/13/redeploy"),
        ("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config"),
    ]  # fmt: skip
    assert phones(emu, "12", "13", "14") == {"12": hook_o, "13": hook_x, "14": DEFAULT}

    # a value that is bad once known passes the preview and fails the up naming the property,
    # before cfg writes anything: only the actions whose inputs are valid fire
    project.write_program(unknowns_program(family, "3", webhook="ftp://x.example.com", origin="12"))
    project.cli("preview")
    assert calls.take() == []
    up = project.cli("up", *PREVIEWED, check=False)
    assert up.returncode != 0 and "webhook" in up.output and "only http(s) is allowed" in up.output
    assert writes(calls.take()) == [("GET", "/12/redeploy")]
    assert phones(emu, "12", "13", "14") == {"12": hook_o, "13": hook_x, "14": DEFAULT}

    # destroy: each PhoneConfig restores the product default; the actions make no call
    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]
    assert phones(emu, "12", "13", "14") == {"12": DEFAULT, "13": DEFAULT, "14": DEFAULT}


# -- phones that change hands -------------------------------------------------------------


def hands(family: Family, *configs: tuple[str, str, str], line: tuple[str, str, str] | None = None) -> str:
    """PhoneConfigs `(name, phone, webhook)`, and `line` the same inside a component (Python)."""
    if family.language == "yaml":
        return yaml_program(*((n, "PhoneConfig", {"phoneId": p, "webhook": w}, {}) for n, p, w in configs))
    lines = [
        "import pulumi",
        family.imports("PhoneConfig"),
        "class Line(pulumi.ComponentResource):",
        "    def __init__(self, name, phone_id, webhook):",
        '        super().__init__("example:Line", name)',
        "        PhoneConfig(name, phone_id=phone_id, webhook=webhook, opts=pulumi.ResourceOptions(parent=self))",
    ]
    lines += [f'PhoneConfig("{n}", phone_id="{p}", webhook="{w}")' for n, p, w in configs]
    lines += [f'Line("{n}", phone_id="{p}", webhook="{w}")' for n, p, w in ([line] if line else [])]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("family", WITH_YAML, ids=str)
def test_phones_that_change_hands_keep_the_config_the_program_declares(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(hands(family, ("a", "12", A), ("b", "13", B)), family=family)
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]

    # swap: both replaced; each create claims its phone, so the deletes of the old ones
    # (which the engine runs after the creates) restore nothing: 2 calls
    family.write(project, hands(family, ("a", "13", A), ("b", "12", B)))
    assert "+-2 replaced" in summary(project.cli("up", "--yes"))
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]
    assert phones(emu, "12", "13") == {"12": (B, False), "13": (A, False)}
    assert "3 unchanged" in summary(project.cli("up", "--yes"))
    assert calls.take() == []

    # rename without an alias: a create of b2 (1 POST), then b's delete, which skips the reset
    family.write(project, hands(family, ("a", "13", A), ("b2", "12", B)))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]
    assert phones(emu, "12", "13") == {"12": (B, False), "13": (A, False)}

    if family.language == "python":  # a YAML program declares no component
        # move into a component (a new URN): 1 POST, no reset
        family.write(project, hands(family, ("b2", "12", B), line=("a", "13", A)))
        project.cli("up", "--yes")
        assert calls.take() == [("POST", "/13/config")]
        assert phones(emu, "12", "13") == {"12": (B, False), "13": (A, False)}

    # out of the component again (in YAML, only a replace), and on to another phone at the
    # same time: 1 POST on 14, then the old one's delete resets 13, which nobody declares any more
    family.write(project, hands(family, ("a", "14", A), ("b2", "12", B)))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/14/config"), ("POST", "/13/config")]
    assert phones(emu, "12", "13", "14") == {"12": (B, False), "13": DEFAULT, "14": (A, False)}

    # two resources declaring one phone: refused at preview and at up, naming both; no call
    family.write(project, hands(family, ("a", "14", A), ("b2", "12", B), ("c", "12", B)))
    for command in (("preview",), ("up", "--yes")):
        run = project.cli(*command, check=False)
        assert run.returncode != 0
        assert "phone 12 is declared by both PhoneConfig 'b2' and PhoneConfig 'c'" in run.output
    assert calls.take() == []
    assert phones(emu, "12", "13", "14") == {"12": (B, False), "13": DEFAULT, "14": (A, False)}

    # destroy: each phone restored once
    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/14/config")]
    assert phones(emu, "12", "13", "14") == {"12": DEFAULT, "13": DEFAULT, "14": DEFAULT}


def test_two_phone_ids_known_only_at_up_that_collide_fail_naming_both(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(f"""
{family.imports("Logout", "PhoneConfig")}
src = Logout("src", phone_id="14", revision=1, fire_on_create=False)
PhoneConfig("a", phone_id=src.fired_at.apply(lambda _: "12"), webhook="{A}")
PhoneConfig("b", phone_id=src.fired_at.apply(lambda _: 12), webhook="{B}")
""")
    run = project.cli("up", "--yes", check=False)
    assert "phone 12 is declared by both PhoneConfig 'a' and PhoneConfig 'b'" in run.output
    log = calls.take()
    if family.native:
        # The native provider sees no program, only each resource's Check, and the engine
        # goes on to create a resource once it is checked: the first checked (either, the
        # engine checks them in no fixed order) may be written before the second is refused.
        # The up fails all the same, and the phone holds what the first declared.
        assert log in ([], [("POST", "/12/config")])
        assert phones(emu, "12")["12"] in ([(A, False), (B, False)] if log else [DEFAULT])
    else:
        # The dynamic resources refuse it in the program, before either registers.
        assert log == []
        assert phones(emu, "12") == {"12": DEFAULT}


# -- phones that vanish -------------------------------------------------------------------


def vanish_program(family: Family, revision: int, gone: bool = True) -> str:
    return f"""
{family.imports("Logout", "PhoneConfig")}
PhoneConfig("kept", phone_id="12", webhook="{A}")
Logout("logout", phone_id="14", revision={revision})
""" + (f'PhoneConfig("gone", phone_id="14", webhook="{B}")\n' if gone else "")


def test_a_phone_removed_from_the_product(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(vanish_program(family, 1))
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("GET", "/14/logout"), ("POST", "/12/config"), ("POST", "/14/config")]

    # refresh (its preview and the refresh itself read each phone once): the vanished one is
    # dropped from the state with a warning naming it
    emu.remove_phone("14")
    refresh = project.cli("refresh", "--yes")
    assert sorted(calls.take()) == [("GET", "/12/config")] * 2 + [("GET", "/14/config")] * 2
    assert "warning: phone 14 no longer exists on Maytapi" in refresh.stdout
    assert [r["urn"].rsplit("::", 1)[1] for r in project.resources(":PhoneConfig")] == ["kept"]

    # an action on it: firing fails with the server's message
    project.write_program(vanish_program(family, 2, gone=False))
    up = project.cli("up", "--yes", check=False)
    assert up.returncode != 0 and "[14] is not a valid phone instance id" in up.output
    assert calls.take() == [("GET", "/14/logout")]

    # destroy without a refresh first: the delete of a vanished phone's config is refused by
    # Maytapi and taken as done; the action makes no call; the stack is empty
    emu.set_phone("14")
    project.write_program(vanish_program(family, 2))
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("GET", "/14/logout"), ("POST", "/14/config")]
    emu.remove_phone("14")
    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/14/config")]
    assert project.resources(":PhoneConfig") == [] and project.resources(":Logout") == []
    assert phones(emu, "12") == {"12": DEFAULT}

    # get of a missing phone fails naming it, at preview
    project.write_program(family.imports("PhoneConfig") + 'PhoneConfig.get("missing", "14")\n')
    preview = project.cli("preview", check=False)
    assert preview.returncode != 0 and "phone 14 does not exist in this Maytapi product" in preview.output
    assert calls.take() == [("GET", "/14/config")]


RESET_PATTERN = """
import pulumi
IMPORTS
reset = FactoryReset("spare-reset", phone_id="13", revision=REVISION, fire_on_create=False)
spare = PhoneConfig("spare", phone_id="13", webhook="https://hooks.example.com/spare",
                    reapply_trigger=reset.fired_at)
bare = PhoneConfig("bare", phone_id="14")
pulumi.export("bare_webhook", bare.webhook)
"""


def test_outputs_fed_into_inputs_are_known_at_preview_until_they_change(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    pattern = RESET_PATTERN.replace("IMPORTS", family.imports("FactoryReset", "PhoneConfig"))
    # The documented reset pattern before the reset ever fired, and a config without a webhook:
    # no output is None, so a preview of the unchanged program shows nothing to do.
    project = make_project(pattern.replace("REVISION", "1"))
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/13/config"), ("POST", "/14/config")]
    assert project.cli("preview", "--expect-no-changes").returncode == 0
    assert calls.take() == []

    # The reset fires: the config follows it in the same up, and ends on the phone.
    project.write_program(pattern.replace("REVISION", "2"))
    project.cli("up", "--yes")
    assert calls.take() == [("GET", "/13/factoryreset"), ("POST", "/13/config")]
    assert phones(emu, "13", "14") == {"13": ("https://hooks.example.com/spare", False), "14": ("", False)}
    assert project.cli("preview", "--expect-no-changes").returncode == 0
    assert calls.take() == []


def test_a_phone_moved_from_the_dynamic_resource_to_the_native_one_keeps_its_config(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # Two plugins of one engine: the native PhoneConfig's create claims phone 12 in the
    # registry both read, so the dynamic one's delete, which the engine runs after, resets nothing.
    project = make_project(
        f'from maytapi_pulumi import PhoneConfig\nPhoneConfig("support", phone_id="12", webhook="{A}")\n'
    )
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]

    project.write_program(
        f'import pulumi_maytapi as maytapi\nmaytapi.PhoneConfig("support", phone_id="12", webhook="{B}")\n'
    )
    project.cli("preview")
    assert calls.take() == []
    assert "+ 1 created - 1 deleted" in summary(project.cli("up", *PREVIEWED))
    assert calls.take() == [("POST", "/12/config")]
    assert phones(emu, "12") == {"12": (B, False)}
    assert project.cli("up", "--yes", "--expect-no-changes").returncode == 0
    assert calls.take() == []
