"""The review summary and the drift issue body hold names and values written by others (the pull
request's author names the resources; Maytapi answers the live webhooks): none of it may forge a
row, hide a destructive action, or become markup, a mention or a reference.

Generated previews of hostile names and values are rendered in both formats; the Markdown is
read back with a CommonMark renderer with GitHub's table and strikethrough rules (markdown-it-py)
and must have the template's structure exactly, with every name shown as it is, in code.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import review
from maytapi_pulumi.review import escape_markdown, escape_text
from tests.conftest import PREVIEWED, Calls, Family

GITHUB = MarkdownIt("commonmark").enable("table").enable("strikethrough")
HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
FORGED_ROW = "\n| 4103 | nothing | nothing |"

SNIPPETS = [
    FORGED_ROW, "|", "\\|", "\\", "`", "``", "```", "<b>", "</td></tr>", "<br>", "<!--", "-->",
    "&amp;", "&#124;", "@octocat", "#123", "GH-1", "*", "**", "_", "~~", "[x](https://evil.example)",
    "![i](https://evil.example/i.png)", "<https://evil.example>", "https://evil.example",
    "www.evil.example", "> ", "# ", "- ", "1. ", ":tada:", "\r", "\t", "\n", "\x1b[31m", "\x00",
    "\x7f", "\x9b", "\u202e", "\u2066", "\u200d", "\u2028", "\u2029", "\x85", " ", "  ",
    "deadbeefcafe", "{{x}}", "$x",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=4)), max_size=6).map("".join)
KINDS = ("FactoryReset", "Logout", "Redeploy")


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::maytapi-test::{type_token}::{name}"


@st.composite
def previews(draw: st.DrawFn) -> tuple[dict[str, Any], int, int]:
    """A preview of generated steps with hostile names, phones, webhooks, revisions and types;
    how many destructive actions it fires (a fleet action's per phone), and on how many lines
    (counted here, not by the review)."""
    prefix = draw(st.sampled_from(["pulumi-python:dynamic/maytapi:", "maytapi:index:"]))
    steps: list[dict[str, Any]] = []
    destructive = lines = 0
    for _ in range(draw(st.integers(1, 5))):
        name, phone, old_phone = draw(hostile), draw(hostile), draw(hostile)
        op = draw(st.sampled_from(["create", "update", "replace", "delete"]))
        shape = draw(st.sampled_from(["config", "action", "fleet action"]))
        if shape == "fleet action":
            kind = draw(st.sampled_from(KINDS))
            type_token = f"{prefix}Fleet{kind}"
            ids, old_ids = (
                draw(st.lists(hostile, min_size=1, max_size=6)),
                draw(st.lists(hostile, max_size=6)),
            )
            old_revision, revision = draw(hostile), draw(hostile)
            uncertain, fire_on_create = draw(st.booleans()), draw(st.booleans())
            records = {p: {"revision": old_revision, "uncertain": uncertain} for p in old_ids}
            old = {"phone_ids": old_ids, "revision": old_revision, "phones": records}
            new = {"phone_ids": ids, "revision": revision, "fire_on_create": fire_on_create}
            if op == "delete":
                fires = 0
            elif op != "update":
                fires = len(set(ids)) * fire_on_create
            else:  # new phones with fire_on_create, a new revision, or a doubt answered in the run
                fires = sum(
                    fire_on_create if p not in records else old_revision != revision or uncertain
                    for p in set(ids)
                )
            destructive += fires * (kind != "Redeploy")
            lines += bool(fires) and kind != "Redeploy"
        elif shape == "config":
            type_token = f"{prefix}PhoneConfig"
            old = {"phone_id": old_phone, "webhook": draw(hostile), "ack_delivery": False}
            new = {"phone_id": phone, "webhook": draw(hostile), "ack_delivery": True}
        else:
            kind = draw(st.sampled_from(KINDS))
            type_token = f"{prefix}{kind}"
            old = {"phone_id": phone, "revision": draw(hostile)}
            new = {"phone_id": phone, "revision": draw(hostile), "fire_on_create": draw(st.booleans())}
            fires = op == "update" or (op in ("create", "replace") and new["fire_on_create"])
            destructive += fires and kind != "Redeploy"
            lines += fires and kind != "Redeploy"
        steps.append(
            {
                "op": op,
                "urn": urn(type_token, name),
                "oldState": {"type": type_token, "outputs": old} if op != "create" else None,
                "newState": {"type": type_token, "inputs": new} if op != "delete" else None,
            }
        )
    if draw(st.booleans()):
        other = draw(hostile)
        steps.append({"op": "update", "urn": urn(other, "other"), "newState": {"type": other, "inputs": {}}})
    return {"steps": steps}, destructive, lines


def inline_children(tokens: list[Token]) -> list[list[Token]]:
    return [t.children or [] for t in tokens if t.type == "inline"]


def shown(children: list[Token]) -> str:
    """What a reader sees of inline tokens; `<br>` as a newline."""
    return "".join("\n" if t.type == "html_inline" else t.content for t in children)


def template_structure(rows: int, fleets: int, others: bool) -> list[str]:
    structure = ["heading_open", "inline", "heading_close"]
    cells = ["td_open", "inline", "td_close"] * 3
    paragraph = ["paragraph_open", "inline", "paragraph_close"]
    if rows:
        structure += [
            "table_open",
            "thead_open",
            "tr_open",
            *["th_open", "inline", "th_close"] * 3,
            "tr_close",
            "thead_close",
        ]
        structure += ["tbody_open", *(["tr_open", *cells, "tr_close"] * rows), "tbody_close", "table_close"]
    elif not fleets:
        structure += paragraph
    if fleets:  # "Fleet actions:", then one list item per fleet action
        items = ["list_item_open", *paragraph, "list_item_close"] * fleets
        structure += [*paragraph, "bullet_list_open", *items, "bullet_list_close"]
    return structure + paragraph * others


def check_markdown(markdown: str, text: str, summary: review.Summary, destructive_lines: int) -> None:
    """The Markdown has the template's structure, one row per phone and one list item per fleet
    action, and shows exactly what the plain text says: every name and value in code, as it is,
    and nothing else turned into markup. `destructive_lines`: how many lines fire a destructive
    action."""
    tokens = GITHUB.parse(markdown)
    fleets = len(summary.fleets)
    assert [t.type for t in tokens] == template_structure(len(summary.phones), fleets, bool(summary.others))
    lines = text.splitlines()
    inlines = inline_children(tokens)
    for children in inlines:
        for token in children:
            assert token.type in ("text", "code_inline", "strong_open", "strong_close", "html_inline"), token
            assert token.type != "html_inline" or token.content == "<br>"
            if token.type == "text":  # the template's words only: no mention, reference or link
                assert not {"@", "#", "<", "&", "`", "*", "|"} & set(token.content), token.content
                assert "://" not in token.content and "www." not in token.content
    assert shown(inlines[0]) == lines[0]
    if summary.others:
        assert shown(inlines[-1]) == "O" + lines[-1][1:]
    # rows: the phone in code, then the config items and the action items of the plain text
    body = inlines[4 : 4 + 3 * len(summary.phones)]
    fleet_lines = lines.index("fleet actions") if fleets else len(lines) - bool(summary.others)
    plain = iter(lines[1:fleet_lines])
    for phone_cell, config_cell, actions_cell in zip(body[::3], body[1::3], body[2::3], strict=True):
        phone = next(plain)
        assert phone_cell == [] or [t.type for t in phone_cell] == ["code_inline"]
        assert "phone " + shown(phone_cell) == phone
        items = [next(plain) for _ in range(len(summary.phones[_phone_key(summary, phone)]))]
        config = [i[4:] for i in items if i.startswith("  ~ ")]
        assert shown(config_cell) == "\n".join(config)
        assert shown(actions_cell) == "\n".join(_marked(i) for i in items if not i.startswith("  ~ "))
    # fleet actions: "Fleet actions:", then each item as the plain text says it
    listed = []
    if fleets:
        listed = inlines[(4 + 3 * len(summary.phones) if summary.phones else 1) :][: fleets + 1]
        assert shown(listed[0]) == "Fleet actions:"
        assert [shown(item) for item in listed[1:]] == [_marked(i) for i in lines[fleet_lines + 1 :][:fleets]]
    # every destructive action is visible: marked, then in bold, saying so
    warned = [
        children[n + 1 : n + 3]
        for children in [*body[2::3], *listed[1:]]
        for n, token in enumerate(children)
        if token.type == "text" and token.content.endswith("⚠️ ")
    ]
    assert len(warned) == destructive_lines == sum(line.startswith("  !! ") for line in lines)
    kinds = ("FactoryReset ", "Logout ", "FleetFactoryReset ", "FleetLogout ")
    assert all(w[0].type == "strong_open" and w[1].content.startswith(kinds) for w in warned)
    assert all(": DESTRUCTIVE, " in line for line in lines if line.startswith("  !! "))


def _marked(line: str) -> str:
    """An action's line of the plain text as Markdown shows it: a destructive one with a warning sign."""
    return "⚠️ " + line[5:] if line.startswith("  !! ") else line[4:]


def _phone_key(summary: review.Summary, line: str) -> str:
    (key,) = [k for k in summary.phones if "phone " + escape_text(k) == line]
    return key


def check_text(text: str, summary: review.Summary, title: str) -> None:
    """One line per headline, phone, item, fleet action (under one header) and the other
    resources; each starts with the template's words; nothing a terminal acts on."""
    lines = text.splitlines()
    items = sum(len(i) for i in summary.phones.values())
    fleets = len(summary.fleets) + bool(summary.fleets)
    assert len(lines) == 1 + len(summary.phones) + items + fleets + bool(summary.others)
    assert text.endswith("\n") and not any(unicodedata.category(c) in HIDDEN for c in text.replace("\n", ""))
    assert lines[0].startswith(escape_text(title) + ": ")
    starts = ("phone ", "  ~ ", "  ! ", "  !! ", "  ? ", "  - ", "other resources: ")
    assert all(line.startswith(starts) or line == "fleet actions" for line in lines[1:])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(previews(), hostile)
def test_generated_hostile_names_and_values_render_safely_in_both_formats(
    generated: tuple[dict[str, Any], int, int], title: str
) -> None:
    preview, destructive, lines = generated
    summary = review.summarise(json.loads(json.dumps(preview)))
    assert summary.will_fire_destructive + summary.may_fire_destructive == destructive
    # The title is the caller's (the workflow's, Markdown allowed); plain text makes it one line.
    check_text(review.render(summary, "text", title=title), summary, title)
    text = review.render(summary, "text", title="Maytapi drift (production)")
    check_markdown(
        review.render(summary, "markdown", title="Maytapi drift (production)"), text, summary, lines
    )


@given(hostile)
def test_text_escaping_leaves_one_line_with_nothing_hidden(value: str) -> None:
    escaped = escape_text(value)
    assert not any(unicodedata.category(c) in HIDDEN for c in escaped)
    # printable text is kept as it is
    kept = "".join(c for c in value if unicodedata.category(c) not in HIDDEN)
    assert escaped == value if kept == value else len(escaped) > len(kept)


@given(hostile)
def test_markdown_escaping_shows_the_text_as_it_is_in_code_in_a_table_cell(value: str) -> None:
    tokens = GITHUB.parse(f"| a | b |\n| --- | --- |\n| {escape_markdown(value)} | x |\n")
    cells = inline_children(tokens)
    assert len(cells) == 4 and shown(cells[3]) == "x"
    expected = escape_text(value)
    assert [t.type for t in cells[2]] == (["code_inline"] if expected else [])
    assert shown(cells[2]) == expected


FORGED = {
    "steps": [
        {
            "op": "create",
            "urn": urn("pulumi-python:dynamic/maytapi:PhoneConfig", f"support{FORGED_ROW}"),
            "newState": {
                "type": "pulumi-python:dynamic/maytapi:PhoneConfig",
                "inputs": {"phone_id": "12", "webhook": "https://hooks.example.com/x", "ack_delivery": True},
            },
        }
    ]
}


def test_a_name_with_a_newline_and_a_row_adds_no_row() -> None:
    markdown = review.render(review.summarise(FORGED), "markdown")
    assert markdown.splitlines()[4] == (
        "| `12` | PhoneConfig `support\\n\\| 4103 \\| nothing \\| nothing \\|` is set: webhook "
        "`https://hooks.example.com/x`, ack_delivery `true` |  |"
    )
    rows = [t for t in GITHUB.parse(markdown) if t.type == "tr_open"]
    assert len(rows) == 2  # the header and phone 12's
    assert review.render(review.summarise(FORGED), "text").splitlines()[1:] == [
        "phone 12",
        "  ~ PhoneConfig support\\n| 4103 | nothing | nothing | is set: webhook https://hooks.example.com/x, "
        "ack_delivery true",
    ]


NAME = f"support{FORGED_ROW}"
LIVE_WEBHOOK = "https://hooks.example.com/live\n| 4104 | gone | gone |<!-- @octocat #1 -->\x1b[2J"


def rendered_safely(preview: str, title: str) -> tuple[str, list[str]]:
    """The Markdown of a real preview, checked as the generated ones are, and its code spans."""
    summary = review.summarise(json.loads(preview))
    text = review.render(summary, "text", title=title)
    markdown = review.render(summary, "markdown", title=title)
    check_text(text, summary, title)
    check_markdown(markdown, text, summary, 0)
    assert list(summary.phones) == ["12"]
    codes = [t.content for c in inline_children(GITHUB.parse(markdown)) for t in c if t.type == "code_inline"]
    return markdown, codes


def test_through_the_engine_a_forged_row_and_a_hostile_live_webhook_stay_in_their_cell(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    """The pull request's preview of a resource named with a newline and a row, then the drift
    job's refresh that finds a webhook set behind Pulumi's back: the comment and the drift issue
    body have one row, phone 12's, whatever the name and the live value hold."""
    project = make_project(
        family.imports("PhoneConfig")
        + f'PhoneConfig({NAME!r}, phone_id="12", webhook="https://hooks.example.com/maytapi")\n'
    )
    _, codes = rendered_safely(project.cli("preview", "--json").stdout, "Maytapi (dev)")
    assert escape_text(NAME) in codes

    project.cli("up", *PREVIEWED)
    emu.set_phone("12", webhook=LIVE_WEBHOOK)
    calls.take()
    drift = project.cli("preview", "--refresh", "--expect-no-changes", "--json", check=False)
    assert drift.returncode != 0 and calls.take() == [("GET", "/12/config")]
    body, codes = rendered_safely(drift.stdout, "Maytapi drift (dev)")
    assert escape_text(NAME) in codes and escape_text(LIVE_WEBHOOK) in codes
    assert body.splitlines()[4] == (
        "| `12` | PhoneConfig `support\\n\\| 4103 \\| nothing \\| nothing \\|`: webhook: "
        "`https://hooks.example.com/live\\n\\| 4104 \\| gone \\| gone \\|<!-- @octocat #1 -->\\x1b[2J` → "
        "`https://hooks.example.com/maytapi` |  |"
    )
