"""The providers' check and diff rules as plain functions: normalisation, unknowns, what
changes cause an update, a replace, or nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from devtools.stack import ROOT
from maytapi_pulumi import MaytapiError
from maytapi_pulumi._actions import LogoutProvider, RedeployProvider
from maytapi_pulumi._phone_config import PhoneConfigProvider

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
    assert inputs == {"phone_id": "12", "webhook": None, "ack_delivery": False, "allow_insecure_http": False,
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
    assert failures == ["MAYTAPI_UNCERTAIN_ACTIONS: 'yes' is not an answer; use happened or not-happened"]


def test_it_happened_records_the_action_without_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAYTAPI_UNCERTAIN_ACTIONS", "happened")
    props = {"phone_id": "12", "revision": "r1", "fire_on_create": True}
    # the client would fail: no server listens there
    monkeypatch.setenv("MAYTAPI_BASE_URL", "http://127.0.0.1:9/api")
    outs = RedeployProvider().update("id", {}, props).outs
    assert outs["fired"] is True and outs["uncertain"] is False and outs["fired_at"]
    assert "not called" in outs["message"]
