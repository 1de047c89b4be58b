"""Plain functions, no network: response models, Settings and the input rules of _validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from maytapi_pulumi import (
    DEFAULT_BASE_URL,
    ConfigRequest,
    DeleteSuccess,
    InvalidInputError,
    MissingSettingError,
    Phone,
    Settings,
    StatusResponse,
    _validation,
)
from maytapi_pulumi import PhoneConfigBody as PhoneConfig

HOOK = "https://hooks.example.com/maytapi"
PRODUCT = "0f2c4e1a-8b3d-4c5e-9f60-7a8b9c0d1e2f"
TOKEN = "tok-MODELS-91ab3c-do-not-leak"

# -- PhoneConfig.from_body -----------------------------------------------------------------------


def read(body: object) -> tuple[str, bool] | None:
    """The webhook and ack_delivery from_body finds (extra fields, e.g. "success" read at the
    top level, are left out of the comparison)."""
    config = PhoneConfig.from_body(body)
    return None if config is None else (config.webhook, config.ack_delivery)


WRAPPERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "status": lambda config: {"success": True, "status": config},
    "data": lambda config: {"success": True, "data": config},
    "top-level": lambda config: {"success": True, **config},
}


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
def test_from_body_reads_the_config_under_each_wrapper(wrapper: str) -> None:
    body = WRAPPERS[wrapper]({"webhook": HOOK, "ack_delivery": True})
    assert read(body) == (HOOK, True)


@pytest.mark.parametrize(
    ("webhook", "expected"),
    [
        (HOOK, HOOK),
        ({"webhook": HOOK}, HOOK),
        ({"webhook": None}, ""),
        ({}, ""),
        (None, ""),
        ("", ""),
    ],
    ids=["string", "object", "object-null", "empty-object", "null", "empty-string"],
)
@pytest.mark.parametrize("wrapper", list(WRAPPERS))
def test_from_body_reads_every_webhook_form(wrapper: str, webhook: object, expected: str) -> None:
    assert read(WRAPPERS[wrapper]({"webhook": webhook, "ack_delivery": True})) == (expected, True)


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
def test_from_body_with_webhook_missing_reads_empty(wrapper: str) -> None:
    assert read(WRAPPERS[wrapper]({"ack_delivery": True})) == ("", True)


@pytest.mark.parametrize("ack", [None, "missing"], ids=["null", "missing"])
def test_from_body_with_ack_delivery_null_or_missing_reads_false(ack: object) -> None:
    config: dict[str, Any] = {"webhook": HOOK} if ack == "missing" else {"webhook": HOOK, "ack_delivery": ack}
    assert read({"status": config}) == (HOOK, False)


def test_from_body_accepts_and_keeps_extra_fields() -> None:
    config = PhoneConfig.from_body(
        {
            "success": True,
            "pid": PRODUCT,
            "status": {"webhook": HOOK, "ack_delivery": False, "phone_limit": 2},
        }
    )
    assert config is not None
    assert (config.webhook, config.model_extra) == (HOOK, {"phone_limit": 2})


def test_from_body_prefers_status_over_data() -> None:
    body = {"status": {"webhook": HOOK}, "data": {"webhook": "https://other.example.com/"}}
    assert read(body) == (HOOK, False)


def test_from_body_skips_a_wrapper_holding_no_config_for_the_top_level() -> None:
    body = {"success": True, "status": "ok", "webhook": HOOK, "ack_delivery": True}
    assert read(body) == (HOOK, True)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True},
        {"success": True, "status": {"loggedIn": True, "isQr": False}},
        {"success": True, "data": {}},
        [{"webhook": HOOK}],
        "webhook",
        None,
    ],
    ids=["success-only", "phone-status", "empty-data", "array", "string", "null"],
)
def test_from_body_without_a_config_is_none(body: object) -> None:
    assert read(body) is None


def test_from_body_refuses_a_webhook_that_is_not_a_string() -> None:
    with pytest.raises(ValueError, match="webhook"):
        PhoneConfig.from_body({"status": {"webhook": 5}})


def test_config_request_dumps_the_flat_body() -> None:
    assert ConfigRequest(webhook=HOOK, ack_delivery=True).model_dump() == {
        "webhook": HOOK,
        "ack_delivery": True,
    }


def test_config_request_refuses_extra_fields() -> None:
    with pytest.raises(ValueError, match="phone_limit"):
        ConfigRequest(webhook=HOOK, ack_delivery=True, phone_limit=2)  # type: ignore[call-arg]


# -- other response models -------------------------------------------------------------------------


def test_delete_success_reads_an_integer_phone_id_as_digits() -> None:
    assert DeleteSuccess.model_validate({"success": True, "phone_id": 12}).phone_id == "12"


def test_phone_reads_a_digit_string_id_as_an_integer() -> None:
    assert Phone.model_validate({"id": "1150", "status": "active"}).id == 1150


def test_status_response_reads_camel_case_fields() -> None:
    status = StatusResponse.model_validate(
        {
            "success": True,
            "status": {"loggedIn": True, "isQr": False, "connRetry": True, "state": {"canSend": True}},
        }
    ).status
    assert (status.logged_in, status.is_qr, status.conn_retry) == (True, False, True)
    assert status.state is not None and status.state.can_send is True


@pytest.mark.parametrize(
    ("fields", "ready"),
    [
        ({"loggedIn": True, "loading": False, "isQr": False}, True),
        ({"loggedIn": True, "loading": True, "isQr": False}, False),
        ({"loggedIn": False, "loading": False, "isQr": True}, False),
        ({}, False),
    ],
    ids=["connected", "loading", "qr", "unknown"],
)
def test_phone_status_is_ready_only_when_logged_in_and_settled(fields: dict[str, Any], ready: bool) -> None:
    assert StatusResponse.model_validate({"status": fields}).status.ready is ready


# -- Settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [PRODUCT.upper(), f"  {PRODUCT}  ", PRODUCT.replace("-", ""), "{" + PRODUCT + "}"],
    ids=["upper-case", "padded", "no-dashes", "braces"],
)
def test_settings_normalises_the_product_id(written: str) -> None:
    assert Settings(written, SecretStr(TOKEN)).product_id == PRODUCT


def test_settings_differently_written_product_ids_compare_equal() -> None:
    assert Settings(PRODUCT.upper(), SecretStr(TOKEN)) == Settings(PRODUCT, SecretStr(TOKEN))


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "12", PRODUCT + "0"])
def test_settings_refuses_a_product_id_that_is_not_a_uuid(bad: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Settings(bad, SecretStr(TOKEN))
    assert info.value.field == "product_id"


@pytest.mark.parametrize("empty", ["", "   "], ids=["empty", "whitespace"])
def test_settings_refuses_an_empty_token(empty: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Settings(PRODUCT, SecretStr(empty))
    assert info.value.field == "api_token"


def test_settings_wraps_a_plain_string_token_in_a_secret() -> None:
    settings = Settings(PRODUCT, TOKEN)  # type: ignore[arg-type]
    assert isinstance(settings.api_token, SecretStr)
    assert settings.api_token.get_secret_value() == TOKEN


def test_settings_strips_the_base_urls_trailing_slash() -> None:
    settings = Settings(PRODUCT, SecretStr(TOKEN), "https://maytapi.example.com/api/")
    assert settings.base_url == "https://maytapi.example.com/api"
    assert settings.product_url == f"https://maytapi.example.com/api/{PRODUCT}"


def test_settings_default_to_maytapis_base_url() -> None:
    assert Settings(PRODUCT, SecretStr(TOKEN)).product_url == f"https://api.maytapi.com/api/{PRODUCT}"


def test_settings_refuses_a_base_url_that_is_not_http() -> None:
    with pytest.raises(InvalidInputError) as info:
        Settings(PRODUCT, SecretStr(TOKEN), "ftp://maytapi.example.com/api")
    assert info.value.field == "base_url"


@pytest.mark.parametrize("show", [repr, str], ids=["repr", "str"])
def test_settings_repr_hides_the_token(show: Any) -> None:
    shown = show(Settings(PRODUCT, SecretStr(TOKEN)))
    assert TOKEN not in shown
    assert PRODUCT in shown


ENV = {
    "MAYTAPI_PRODUCT_ID": "00000000-0000-4000-8000-00000000000e",
    "MAYTAPI_API_TOKEN": "tok-from-env",
    "MAYTAPI_BASE_URL": "https://env.example.com/api",
}
CONFIG = {
    "maytapi:productId": PRODUCT,
    "maytapi:apiToken": TOKEN,
    "maytapi:baseUrl": "https://config.example.com/api",
}


def test_from_sources_prefers_config_over_the_environment() -> None:
    settings = Settings.from_sources(CONFIG, ENV)
    assert (settings.product_id, settings.api_token.get_secret_value(), settings.base_url) == (
        PRODUCT,
        TOKEN,
        "https://config.example.com/api",
    )


def test_from_sources_falls_back_to_the_environment() -> None:
    settings = Settings.from_sources({}, ENV)
    assert (settings.product_id, settings.api_token.get_secret_value(), settings.base_url) == (
        ENV["MAYTAPI_PRODUCT_ID"],
        "tok-from-env",
        "https://env.example.com/api",
    )


def test_from_sources_mixes_sources_setting_by_setting() -> None:
    settings = Settings.from_sources({"maytapi:apiToken": TOKEN}, ENV)
    assert (settings.product_id, settings.api_token.get_secret_value()) == (ENV["MAYTAPI_PRODUCT_ID"], TOKEN)


def test_from_sources_treats_an_empty_config_value_as_absent() -> None:
    settings = Settings.from_sources({"maytapi:productId": "", "maytapi:apiToken": TOKEN}, ENV)
    assert settings.product_id == ENV["MAYTAPI_PRODUCT_ID"]


def test_from_sources_defaults_the_base_url() -> None:
    settings = Settings.from_sources({"maytapi:productId": PRODUCT, "maytapi:apiToken": TOKEN}, {})
    assert settings.base_url == DEFAULT_BASE_URL


def test_from_sources_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_sources({}).product_id == ENV["MAYTAPI_PRODUCT_ID"]


@pytest.mark.parametrize(
    ("config", "env", "missing"),
    [
        ({}, {}, ["product_id", "api_token"]),
        ({"maytapi:productId": PRODUCT}, {}, ["api_token"]),
        ({}, {"MAYTAPI_API_TOKEN": TOKEN}, ["product_id"]),
    ],
    ids=["both", "token", "product-id"],
)
def test_missing_setting_error_lists_what_is_missing(
    config: dict[str, str], env: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(MissingSettingError) as info:
        Settings.from_sources(config, env)
    assert info.value.missing == missing
    assert str(info.value) == "missing Maytapi settings: " + ", ".join(missing)


def test_missing_setting_error_does_not_show_the_token() -> None:
    with pytest.raises(MissingSettingError) as info:
        Settings.from_sources({"maytapi:apiToken": TOKEN}, {})
    assert TOKEN not in str(info.value)


# -- _validation.phone_id -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, "12"), ("12", "12"), ("0012", "12"), (12.0, "12"), (0, "0"), (90126, "90126")],
)
def test_phone_id_accepts_an_int_or_digit_string(value: object, expected: str) -> None:
    assert _validation.phone_id(value) == expected


@pytest.mark.parametrize(
    "bad",
    ["abc", "12a", "-1", -1, "", "   ", " 12", "1.5", 1.5, True, False, None, [12], "1" * 21, "١٢"],
    ids=[
        "letters",
        "digits-then-letter",
        "negative-string",
        "negative-int",
        "empty",
        "whitespace",
        "padded",
        "decimal-string",
        "float",
        "true",
        "false",
        "none",
        "list",
        "too-long",
        "non-ascii-digits",
    ],
)
def test_phone_id_refuses(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.phone_id(bad)
    assert info.value.field == "phone_id"
    assert str(info.value).startswith("phone_id: ")


@pytest.mark.parametrize("empty", ["", "   "])
def test_phone_id_says_when_it_is_empty(empty: str) -> None:
    with pytest.raises(InvalidInputError, match="is empty"):
        _validation.phone_id(empty)


def test_phone_id_error_names_the_callers_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.phone_id("abc", "phoneId")
    assert info.value.field == "phoneId"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.0, 2), (1.5, 1.5), (True, True), ("3", "3"), (7, 7)],
    ids=["integral-float", "fraction", "bool", "string", "int"],
)
def test_whole_number_turns_only_integral_floats_into_ints(value: object, expected: object) -> None:
    result = _validation.whole_number(value)
    assert (result, type(result)) == (expected, type(expected))


# -- _validation.webhook -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        (HOOK, HOOK),
        ("https://hooks.example.com:8443/a?b=c#d", "https://hooks.example.com:8443/a?b=c#d"),
    ],
    ids=["none", "empty", "https", "port-query-fragment"],
)
def test_webhook_accepts_none_empty_and_https(value: str | None, expected: str) -> None:
    assert _validation.webhook(value) == expected


def test_webhook_accepts_exactly_the_maximum_length() -> None:
    url = "https://hooks.example.com/" + "a" * (
        _validation.MAX_WEBHOOK_LENGTH - len("https://hooks.example.com/")
    )
    assert _validation.webhook(url) == url


@pytest.mark.parametrize(
    "bad",
    [
        "hooks.example.com/maytapi",
        "ftp://hooks.example.com/maytapi",
        "javascript:alert(1)",
        "https://",
        "https:///maytapi",
        "https://hooks example.com/",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/\x00",
        "https://hooks.example.com/\x7f",
        "https://hooks.example.com/\n",
        "https://hooks.example.com/" + "a" * 2048,
        "https://hooks.example.com:99999/",
        5,
    ],
    ids=[
        "no-scheme",
        "ftp",
        "javascript",
        "no-host",
        "empty-host",
        "space-in-host",
        "space-in-path",
        "nul",
        "del",
        "newline",
        "too-long",
        "bad-port",
        "not-a-string",
    ],
)
def test_webhook_refuses(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.webhook(bad)
    assert info.value.field == "webhook"
    assert str(info.value).startswith("webhook: ")


def test_webhook_error_names_the_callers_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.webhook("ftp://x.example.com", "base_url")
    assert info.value.field == "base_url"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("https://hooks.example.com/" + "a" * 2048, "over 2048"),
        ("hooks.example.com", "no scheme"),
        ("ftp://hooks.example.com", "scheme 'ftp'"),
        ("https://", "no host"),
        ("https://a b.example.com", "whitespace or control characters"),
    ],
    ids=["too-long", "no-scheme", "ftp", "no-host", "space"],
)
def test_webhook_error_says_what_is_wrong(bad: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.webhook(bad)
    assert words in info.value.problem


def test_webhook_plain_http_to_a_remote_host_is_allowed_by_default() -> None:
    assert _validation.webhook("http://hooks.example.com/x") == "http://hooks.example.com/x"


def test_webhook_plain_http_to_a_remote_host_is_refused_when_insecure_http_is_not_allowed() -> None:
    with pytest.raises(InvalidInputError, match="plain http") as info:
        _validation.webhook("http://hooks.example.com/x", allow_insecure_http=False)
    assert info.value.field == "webhook"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://127.9.9.9/hook",
        "http://localhost/hook",
        "http://hooks.localhost/hook",
        "http://[::1]:8080/hook",
        "https://hooks.example.com/hook",
    ],
    ids=["ipv4-loopback", "ipv4-loopback-range", "localhost", "dot-localhost", "ipv6-loopback", "https"],
)
def test_webhook_loopback_http_and_https_are_allowed_when_insecure_http_is_not(url: str) -> None:
    assert _validation.webhook(url, allow_insecure_http=False) == url


@pytest.mark.parametrize("host", ["http://10.0.0.1/x", "http://localhost.example.com/x", "http://[::2]/x"])
def test_webhook_private_or_lookalike_hosts_are_not_loopback(host: str) -> None:
    with pytest.raises(InvalidInputError, match="plain http"):
        _validation.webhook(host, allow_insecure_http=False)


# -- _validation.flag and product_id ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_flag_accepts_a_boolean(value: bool) -> None:
    assert _validation.flag("ack_delivery")(value) is value


@pytest.mark.parametrize("default", [True, False])
def test_flag_reads_none_as_its_default(default: bool) -> None:
    assert _validation.flag("ack_delivery", default)(None) is default


@pytest.mark.parametrize("bad", ["true", "false", 1, 0, 1.0, "", [True]])
def test_flag_refuses_what_merely_looks_boolean(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.flag("ack_delivery")(bad)
    assert info.value.field == "ack_delivery"


@pytest.mark.parametrize(
    "bad", ["", "   ", "not-a-uuid", PRODUCT[:-1], None, 12, 1.5, True], ids=lambda v: repr(v)[:20]
)
def test_product_id_refuses(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.product_id(bad)
    assert info.value.field == "product_id"


def test_product_id_error_names_the_callers_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        _validation.product_id("nope", "productId")
    assert info.value.field == "productId"


def test_product_id_returns_the_canonical_form() -> None:
    assert _validation.product_id(PRODUCT.upper().replace("-", "")) == PRODUCT


# -- maytapi:maxRetries -----------------------------------------------------------------------------


def test_max_retries_defaults_to_nine() -> None:
    base = {"maytapi:productId": PRODUCT, "maytapi:apiToken": TOKEN}
    assert Settings.from_sources(base, {}).max_retries == 9


def test_max_retries_from_config_then_environment() -> None:
    base = {"maytapi:productId": PRODUCT, "maytapi:apiToken": TOKEN}
    env = {"MAYTAPI_MAX_RETRIES": "4"}
    assert Settings.from_sources({**base, "maytapi:maxRetries": "0"}, env).max_retries == 0
    assert Settings.from_sources(base, env).max_retries == 4


@pytest.mark.parametrize("bad", ["lots", "-1", "2.5", "101", "١٢", " "])
def test_max_retries_that_is_not_a_whole_number_up_to_100_is_refused(bad: str) -> None:
    base = {"maytapi:productId": PRODUCT, "maytapi:apiToken": TOKEN, "maytapi:maxRetries": bad}
    with pytest.raises(InvalidInputError) as info:
        Settings.from_sources(base, {})
    assert info.value.field == "max_retries"
    assert str(info.value) == f"max_retries: {bad!r} is not a whole number from 0 to 100; use e.g. 9"


@pytest.mark.parametrize("bad", [-1, 101, True, 2.0])
def test_settings_refuse_a_max_retries_of_the_wrong_kind(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="max_retries"):
        Settings(PRODUCT, TOKEN, max_retries=bad)
