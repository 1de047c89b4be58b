"""What a Maytapi change will do, at a glance: a review summary of `pulumi preview --json`.

    pulumi preview --json | python -m maytapi_pulumi.review --format markdown
    maytapi-review preview.json --format text --fail-on-destructive

One row per phone: its config changes (`webhook: old → new`, secrets as `[secret]`), the
actions that will fire (`revision: old → new`), those that may fire (a revision not known
until the apply), replaces and deletes. A fleet action (FleetRedeploy, ...) is one line for its
whole set: "Redeploy will fire on 500 phones (12, 13, … 511)", the phones it may fire on,
records without firing, or leaves. FactoryReset and Logout are destructive and say so; a
FactoryReset also says whether a PhoneConfig re-applies the config it clears. Resources of
other providers are counted in one line. Reads only the JSON: no Pulumi, no Maytapi call.

Serves both resource families: the dynamic resources (`pulumi-python:dynamic/maytapi:Redeploy`,
snake_case properties) and the native provider (`maytapi:index:Redeploy`, camelCase).

Every name and value comes from the preview, so from whoever wrote the program or answers for
the phones, and is escaped for the format it is written in, by one function per format:
`escape_text` (control, format and line-separator characters as visible escapes such as `\n`,
`\x1b`, `\u202e`: one line per item, no terminal escapes) and `escape_markdown` (that, then a
code span safe in a table cell: nothing in it is markup, a link, a mention or a reference).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from ._core import action, common, fleet_action
from ._core.urn import name_of, type_of

# How the engine writes values it cannot show in `preview --json`.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = "[secret]"

_CONFIG = "PhoneConfig"
_FLEET = "Fleet"
_DESTRUCTIVE = {
    "FactoryReset": "logs the phone out and clears its config (webhook, ack_delivery)",
    "Logout": "logs the phone out: it must be paired again (QR code)",
}
_ACTIONS = ("Redeploy", *_DESTRUCTIVE)
_FLEET_ACTIONS = {f"Fleet{kind}": kind for kind in _ACTIONS}
# A fleet action's phones are listed in full up to this many; a longer list shows its first two
# and its last: "12, 13, … 511".
_LISTED = 4
# A replace also shows as `create-replacement` and `delete-replaced` steps: `replace` stands for them.
_CHANGES = {"create", "update", "replace", "delete"}
_CONFIG_FIELDS = ("webhook", "ack_delivery")

Format = Literal["text", "markdown"]
Segment = tuple[str, bool]  # (text, is a value: shown as code in Markdown)


def kind_of(type_token: str) -> str | None:
    """`PhoneConfig`, `Redeploy`, ... for a Maytapi type token of either family, else None."""
    kind = type_token.rsplit(":", 1)[-1]
    ours = type_token.startswith("maytapi:") or ":dynamic/maytapi:" in type_token
    return kind if ours and kind in (_CONFIG, _FLEET, *_ACTIONS, *_FLEET_ACTIONS) else None


def prop(values: Mapping[str, Any] | None, name: str) -> Any:
    """A property under its snake_case (dynamic) or camelCase (native) name."""
    if not values:
        return None
    camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)
    return values.get(name, values.get(camel))


def _plain(value: Any) -> str:
    if value == UNKNOWN:
        return "(known after apply)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # numbers cross the engine's wire as doubles
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _same(old: Any, new: Any) -> bool:
    return _plain(old) == _plain(new) and UNKNOWN not in (old, new)


def _webhook(value: Any) -> str:
    return "(product webhook)" if value in (None, "") else _plain(value)


def _show(name: str, value: Any) -> str:
    return _webhook(value) if name == "webhook" else _plain(value)


@dataclass
class Item:
    """One thing that happens to a phone, as text segments."""

    resource: str
    segments: list[Segment]
    marker: Literal["config", "fire", "may", "note"]
    destructive: bool = False


@dataclass
class Summary:
    phones: dict[str, list[Item]] = field(default_factory=dict)
    fleets: list[Item] = field(default_factory=list)  # one line per fleet action
    config_changes: int = 0
    will_fire: int = 0
    will_fire_destructive: int = 0
    may_fire: int = 0
    may_fire_destructive: int = 0
    others: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def destructive(self) -> bool:
        return bool(self.will_fire_destructive or self.may_fire_destructive)

    def add(self, phone: Any, item: Item) -> None:
        key = "(known after apply)" if phone in (None, UNKNOWN) else _plain(phone)
        self.phones.setdefault(key, []).append(item)


@dataclass(frozen=True)
class Step:
    op: str
    urn: str
    kind: str | None
    type: str
    old: Mapping[str, Any]  # oldState: inputs and outputs
    new: Mapping[str, Any]  # newState
    label: str = _CONFIG  # what a config step is called: a Fleet's phones are its own steps

    @property
    def name(self) -> str:
        return name_of(self.urn)

    def old_values(self) -> Mapping[str, Any]:
        # The last outputs are what Maytapi reported (after a refresh: the live values).
        return self.old.get("outputs") or self.old.get("inputs") or {}

    def new_values(self) -> Mapping[str, Any]:
        return self.new.get("inputs") or {}


class PreviewFailed(ValueError):
    """The preview ended in errors: its steps are not the whole change, so there is no summary."""


def steps_of(preview: Mapping[str, Any]) -> list[Step]:
    if not isinstance(preview.get("steps"), list):
        raise ValueError("not the output of `pulumi preview --json`: it has no `steps` list")
    errors = [d["message"].strip() for d in preview.get("diagnostics") or [] if d.get("severity") == "error"]
    if errors:
        # One line per error: a message (a server's, a program's) cannot forge lines of its own.
        raise PreviewFailed(
            "the preview failed, so there is no summary:" + "".join(f"\n  {escape_text(e)}" for e in errors)
        )
    steps = []
    for raw in preview["steps"]:
        old, new = raw.get("oldState") or {}, raw.get("newState") or {}
        type_token = new.get("type") or old.get("type") or type_of(raw["urn"])
        steps.append(Step(raw["op"], raw["urn"], kind_of(type_token), type_token, old, new))
    return steps


def summarise(preview: Mapping[str, Any]) -> Summary:
    summary = Summary()
    steps = [one for s in steps_of(preview) if s.op in _CHANGES for one in _per_phone(s)]
    configs = [s for s in steps if s.kind == _CONFIG]
    for step in steps:
        if step.kind == _CONFIG:
            _config(summary, step, configs)
        elif step.kind in _FLEET_ACTIONS:
            _fleet_action(summary, step)
        elif step.kind is not None:
            _action(summary, step, configs)
        elif not step.type.startswith(("pulumi:pulumi:", "pulumi:providers:")):
            summary.others[(step.op, step.type)] += 1
    return summary


def _per_phone(step: Step) -> list[Step]:
    """A Fleet's step as one PhoneConfig step per phone it changes (named after the Fleet);
    its unchanged phones are left out. Any other step as it is."""
    if step.kind != _FLEET:
        return [step]
    old = step.old_values() if step.op != "create" else {}
    new = step.new_values() if step.op != "delete" else {}
    old_phones, new_phones = prop(old, "phones") or {}, prop(new, "phones") or {}
    if not isinstance(new_phones, Mapping):  # not known until the apply
        return [replace(step, kind=_CONFIG, label=_FLEET, op="update", new={"inputs": {"phone_id": UNKNOWN}})]
    failed = prop(old, "failed") or {}
    phones = sorted({*old_phones, *new_phones}, key=_phone_key)
    steps = []
    for phone in phones:
        before, after = old_phones.get(phone), new_phones.get(phone)
        if before is None:
            op = "create"
        elif after is None:
            op = "delete"
        elif phone in failed or not all(_same(prop(before, n), prop(after, n)) for n in _CONFIG_FIELDS):
            op = "update"
        else:
            continue
        steps.append(
            replace(
                step,
                op=op,
                kind=_CONFIG,
                label=_FLEET,
                old={**step.old, "outputs": {**(before or {}), "phone_id": phone}},
                new={**step.new, "inputs": {**(after or {}), "phone_id": phone}},
            )
        )
    return steps


def _config(summary: Summary, step: Step, configs: list[Step]) -> None:
    old, new = step.old_values(), step.new_values()
    name = [(f"{step.label} ", False), (step.name, True)]
    old_phone, new_phone = prop(old, "phone_id"), prop(new, "phone_id")
    summary.config_changes += 1
    if step.op == "delete":
        if step.old.get("retainOnDelete"):
            text = [(": removed from the program, the phone is left as it is (retain_on_delete)", False)]
        else:
            text = _left_behind(step, old_phone, configs, [(": removed, ", False)])
        summary.add(old_phone, Item(step.name, [*name, *text], "config"))
        return
    if step.op in ("create", "replace"):
        settings = [seg for n in _CONFIG_FIELDS for seg in (*_fields_of(n, new), (", ", False))][:-1]
        moved = step.op == "replace" and not _same(old_phone, new_phone)
        verb: list[Segment] = [(" is set: ", False)]
        if moved:
            verb = [(" is set (moves here from phone ", False), (_plain(old_phone), True), ("): ", False)]
        elif step.op == "replace":
            verb = [(" is replaced and set: ", False)]
        summary.add(new_phone, Item(step.name, [*name, *verb, *settings], "config"))
        if moved:
            lead = [(" moves to phone ", False), (_plain(new_phone), True), (": ", False)]
            note = _left_behind(step, old_phone, configs, lead)
            summary.add(old_phone, Item(step.name, [*name, *note], "config"))
        return
    changes = _arrows(_CONFIG_FIELDS, old, new)
    if trigger := _arrows(("reapply_trigger",), old, new):
        # Unknown while its source (a reset's fired_at) changes in the same run.
        again = (
            "config may be sent again, " if prop(new, "reapply_trigger") == UNKNOWN else "config sent again, "
        )
        changes += [(again, False), *trigger]
    if not changes:
        secret = [n for n in _CONFIG_FIELDS if SECRET in (prop(old, n), prop(new, n))]
        changes = [seg for n in secret for seg in _arrow(n, old, new)] or [("config sent again", False)]
    summary.add(new_phone, Item(step.name, [*name, (": ", False), *_joined(changes)], "config"))


def _left_behind(step: Step, phone: Any, configs: list[Step], lead: list[Segment]) -> list[Segment]:
    """What becomes of a phone a PhoneConfig leaves: another PhoneConfig that writes it in the
    same run keeps it (the provider then makes no reset), else it goes back to the default."""
    heirs = [
        c for c in configs
        if c.op != "delete" and c.urn != step.urn and _same(prop(c.new_values(), "phone_id"), phone)
    ]  # fmt: skip
    if heirs:
        return [
            *lead,
            ("the phone stays with PhoneConfig ", False),
            (heirs[0].name, True),
            (" (no reset)", False),
        ]
    return [*lead, ("the phone goes back to the product default (webhook and ack_delivery)", False)]


def _fields_of(name: str, values: Mapping[str, Any]) -> list[Segment]:
    return [(f"{name} ", False), (_show(name, prop(values, name)), True)]


def _arrows(names: Iterable[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Segment]:
    """`name: old → new; ` for each of `names` that differs."""
    return [seg for n in names if not _same(prop(old, n), prop(new, n)) for seg in _arrow(n, old, new)]


def _arrow(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Segment]:
    return [
        (f"{name}: ", False),
        (_show(name, prop(old, name)), True),
        (" → ", False),
        (_show(name, prop(new, name)), True),
        ("; ", False),
    ]


def _joined(segments: list[Segment]) -> list[Segment]:
    # Items built by `_arrow` end in a separator; the last one goes.
    return segments[:-1] if segments and segments[-1] == ("; ", False) else segments


def _action(summary: Summary, step: Step, configs: list[Step]) -> None:
    old, new = step.old_values(), step.new_values()
    kind = step.kind or ""
    name: list[Segment] = [(f"{kind} ", False), (step.name, True)]
    phone, revision = prop(new, "phone_id"), prop(new, "revision")
    if step.op == "delete":
        text = ": removed from the program; nothing is called (an action cannot be undone)"
        summary.add(prop(old, "phone_id"), Item(step.name, [*name, (text, False)], "note"))
        return
    if step.op in ("create", "replace") and prop(new, "fire_on_create") is False:
        recorded = [(": recorded at revision ", False), (_plain(revision), True)]
        summary.add(
            phone, Item(step.name, [*name, *recorded, (", not fired (fire_on_create=false)", False)], "note")
        )
        return
    if step.op == "update":
        because = _arrows(("revision", "phone_id"), old, new)
    else:
        because = [("new, revision ", False), (_plain(revision), True)]
    may = step.op == "update" and UNKNOWN in (phone, revision)
    destructive = kind in _DESTRUCTIVE
    if may:
        summary.may_fire += 1
        summary.may_fire_destructive += destructive
        verb = " may fire"
    else:
        summary.will_fire += 1
        summary.will_fire_destructive += destructive
        verb = " will fire"
    segments: list[Segment] = [*name, (verb, False), (" (", False), *_joined(because), (")", False)]
    if destructive:
        segments.append((f": DESTRUCTIVE, {_DESTRUCTIVE[kind]}", False))
    if kind == "FactoryReset":
        segments += _reapplied(step, phone, configs)
    summary.add(phone, Item(step.name, segments, "may" if may else "fire", destructive))


def _fleet_action(summary: Summary, step: Step) -> None:
    """One line for a fleet action's whole set, on the core's rule of which phones fire (as the
    provider decides it): those that will, those that may (a revision or phones not known yet,
    a lost answer the preview was given), those recorded without firing and those that leave."""
    kind = _FLEET_ACTIONS[step.kind or ""]
    name: list[Segment] = [(f"{step.kind} ", False), (step.name, True), (": ", False)]
    if step.op == "delete":
        text = "removed from the program; nothing is called (an action cannot be undone)"
        summary.fleets.append(Item(step.name, [*name, (text, False)], "note"))
        return
    old = step.old_values() if step.op == "update" else {}
    new = step.new_values()
    olds = {key: _core(prop(old, key)) for key in ("phone_ids", "revision", "phones")}
    news = {key: _core(prop(new, key)) for key in ("phone_ids", "revision", "fire_on_create")}
    plan = fleet_action.plan(olds, news, action.Answers())
    firing, answered = plan.phones(action.Step.FIRE), plan.phones(action.Step.UNANSWERED)
    if common.is_unknown(news["revision"]):
        firing, maybe = [], firing
    else:
        maybe = []
    revision = prop(new, "revision")
    moved = step.op == "update" and not _same(prop(old, "revision"), revision)
    because: list[Segment] = (
        [(" (", False), *_joined(_arrow("revision", old, new)), (")", False)]
        if moved
        else [(" (revision ", False), (_plain(revision), True), (")", False)]
    )
    clauses: list[list[Segment]] = []
    if firing:
        clauses.append([(f"{kind} will fire on ", False), *_phones(firing), *because])
    if maybe:
        clauses.append([(f"{kind} may fire on ", False), *_phones(maybe), *because])
    if answered:
        lost = " (their last answer was lost; fired or recorded as this run's answer says)"
        clauses.append([(f"{kind} may fire on ", False), *_phones(answered), (lost, False)])
    if plan.unknown:
        clauses.append([(f"{kind} may fire on phones known after apply", False)])
    if recorded := plan.phones(action.Step.RECORD):
        clauses.append(
            [("records ", False), *_phones(recorded), (" without firing (fire_on_create=false)", False)]
        )
    if plan.removed:
        clauses.append([("leaves ", False), *_phones(list(plan.removed)), (": nothing is called", False)])
    may = len(maybe) + len(answered) + plan.unknown
    destructive = kind in _DESTRUCTIVE and bool(firing or may)
    summary.will_fire += len(firing)
    summary.may_fire += may
    if destructive:
        summary.will_fire_destructive += len(firing)
        summary.may_fire_destructive += may
        # said right after what fires
        clauses[0].append((f": DESTRUCTIVE, {_DESTRUCTIVE[kind].replace('the phone', 'each phone')}", False))
    segments = [seg for n, clause in enumerate(clauses) for seg in [("; ", False)] * bool(n) + clause]
    marker: Literal["fire", "may", "note"] = "fire" if firing else "may" if may else "note"
    summary.fleets.append(
        Item(step.name, [*name, *(segments or [("nothing to do", False)])], marker, destructive)
    )


def _core(value: Any) -> Any:
    """A value of the preview as the core's rules read it: the engine's unknown as theirs."""
    if isinstance(value, Mapping):
        return {key: _core(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_core(item) for item in value]
    return common.UNKNOWN if value == UNKNOWN else value


def _phones(ids: list[str]) -> list[Segment]:
    """`N phones (12, 13, … 511)`, each id a value; a long list shortened to its first two and last."""
    ids = sorted(ids, key=_phone_key)
    head, tail = (ids, []) if len(ids) <= _LISTED else (ids[:2], ids[-1:])
    listed: list[Segment] = [
        seg for n, p in enumerate(head) for seg in [(", ", False)] * bool(n) + [(p, True)]
    ]
    listed += [seg for p in tail for seg in [(", … ", False), (p, True)]]
    return [(f"{len(ids)} phone{'s' * (len(ids) != 1)} (", False), *listed, (")", False)]


def _reapplied(reset: Step, phone: Any, configs: list[Step]) -> list[Segment]:
    """Whether the config the reset clears is sent again in the same run, and in which order."""
    same_phone = [c for c in configs if c.op != "delete" and _same(prop(c.new_values(), "phone_id"), phone)]
    tied = [c for c in same_phone if reset.urn in _dependencies(c)]
    if tied:
        return [("; re-applied after the reset by PhoneConfig ", False), (tied[0].name, True)]
    if same_phone:
        return [
            ("; PhoneConfig ", False),
            (same_phone[0].name, True),
            (" is sent in this run but not tied to the reset (reapply_trigger=reset.fired_at),"
             " so it may be sent first and cleared", False),
        ]  # fmt: skip
    return [("; no PhoneConfig re-applies it in this run", False)]


def _dependencies(step: Step) -> set[str]:
    deps = set(step.new.get("dependencies") or [])
    for urns in (step.new.get("propertyDependencies") or {}).values():
        deps.update(urns or [])
    return deps


def headline(summary: Summary) -> str:
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    parts = [
        count(summary.config_changes, "config change", "config changes"),
        count(summary.will_fire, "action will fire", "actions will fire")
        + (f" ({summary.will_fire_destructive} destructive)" if summary.will_fire_destructive else ""),
    ]
    if summary.may_fire:
        parts.append(
            f"{summary.may_fire} may fire"
            + (f" ({summary.may_fire_destructive} destructive)" if summary.may_fire_destructive else "")
        )
    others = sum(summary.others.values())
    if others:
        parts.append(count(others, "other resource changes", "other resources change"))
    return " · ".join(parts)


_ORDER = ("config", "fire", "may", "note")
_MARKERS = {"config": "~", "fire": "!", "may": "?", "note": "-"}


def render(summary: Summary, fmt: Format = "markdown", title: str = "Maytapi") -> str:
    """The summary as plain text or Markdown. `title` is the caller's, written as given (Markdown
    may style it) on one line; everything else from the preview is escaped for `fmt`."""
    head = f"{escape_text(title)}: {headline(summary)}"
    if fmt == "text":
        lines = [head]
        for phone, items in _rows(summary):
            lines.append(f"phone {escape_text(phone)}")
            lines += [f"  {_marker(i)} {_segments(i.segments, escape_text)}" for i in items]
        if summary.fleets:
            lines.append("fleet actions")
            lines += [f"  {_marker(i)} {_segments(i.segments, escape_text)}" for i in _fleets(summary)]
        if summary.others:
            lines.append(f"other resources: {_others(summary.others, escape_text)}")
        return "\n".join(lines) + "\n"
    lines = [f"### {head}", ""]
    if summary.phones:
        lines += ["| phone | config | actions |", "| --- | --- | --- |"]
        for phone, items in _rows(summary):
            config = "<br>".join(_md(i) for i in items if i.marker == "config")
            actions = "<br>".join(_md(i) for i in items if i.marker != "config")
            lines.append(f"| {escape_markdown(phone)} | {config} | {actions} |")
    elif not summary.fleets:
        lines.append("No Maytapi phone changes.")
    if summary.fleets:
        # One line per fleet action, whatever the size of its set.
        lines += ["", "Fleet actions:", ""] if summary.phones else ["Fleet actions:", ""]
        lines += [f"- {_md(i, in_table=False)}" for i in _fleets(summary)]
    if summary.others:
        types = partial(escape_markdown, in_table=False)
        lines += ["", f"Other resources: {_others(summary.others, types)}"]
    return "\n".join(lines) + "\n"


def _phone_key(phone: str) -> tuple[bool, str]:
    """Phone ids in numeric order (zero-padded), anything else after them."""
    return (not phone.isdigit(), phone.zfill(20))


def _item_key(item: Item) -> tuple[int, str]:
    return (_ORDER.index(item.marker), item.resource)


def _rows(summary: Summary) -> list[tuple[str, list[Item]]]:
    # The engine emits steps in the order they become ready, which varies between runs.
    rows = sorted(summary.phones.items(), key=lambda row: _phone_key(row[0]))
    return [(phone, sorted(items, key=_item_key)) for phone, items in rows]


def _fleets(summary: Summary) -> list[Item]:
    return sorted(summary.fleets, key=_item_key)


def _marker(item: Item) -> str:
    return "!!" if item.destructive else _MARKERS[item.marker]


def _others(others: Counter[tuple[str, str]], escape: Callable[[str], str]) -> str:
    by_op = Counter[str]()
    for (op, _), n in others.items():
        by_op[op] += n
    types = sorted({t for _, t in others})
    return ", ".join(f"{n} to {op}" for op, n in sorted(by_op.items())) + (
        f" ({', '.join(map(escape, types))})" if types else ""
    )


def _segments(segments: Iterable[Segment], escape: Callable[[str], str]) -> str:
    return "".join(escape(text) if value else text for text, value in segments)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str) -> str:
    """`text` on one line with nothing a terminal acts on: control characters (ANSI escapes
    start with one), format characters (bidirectional overrides, zero-width ones) and line or
    paragraph separators become visible escapes (`\\n`, `\\x1b`, `\\u202e`); the rest is kept."""
    return "".join(_visible(c) if unicodedata.category(c) in _HIDDEN else c for c in text)


_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _visible(char: str) -> str:
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_markdown(text: str, in_table: bool = True) -> str:
    """`text` as a code span that GitHub shows as it is, in a table cell (`in_table`) or in a
    paragraph.

    Inside a code span nothing is markup (emphasis, links, HTML, entities, comments) and GitHub
    links no mention, reference, commit or URL. The text is first made one line by `escape_text`;
    the fence is longer than any run of backticks in it; a space pads each side when it starts
    or ends with a backtick or a space (renderers strip one on each side of a text that is not
    all spaces); in a table `|` is escaped, as a cell needs even inside code (outside a table
    the backslash would show). An empty text is no span."""
    text = escape_text(text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if in_table else span


def _md(item: Item, in_table: bool = True) -> str:
    text = _segments(item.segments, partial(escape_markdown, in_table=in_table))
    if item.destructive:
        return f"⚠️ **{text}**"
    return f"**{text}**" if item.marker == "fire" else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="maytapi-review", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "preview", nargs="?", default="-", help="the JSON of `pulumi preview --json` (default: stdin)"
    )
    parser.add_argument("--format", choices=("text", "markdown"), default="markdown")
    parser.add_argument("--title", default="Maytapi", help="what the headline starts with")
    parser.add_argument(
        "--fail-on-destructive",
        action="store_true",
        help="exit 1 when a FactoryReset or Logout (or their fleet forms) will or may fire",
    )
    args = parser.parse_args(argv)
    source = sys.stdin.read() if args.preview == "-" else Path(args.preview).read_text()
    try:
        summary = summarise(json.loads(source))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        said = str(exc) if isinstance(exc, PreviewFailed) else escape_text(str(exc))
        print(f"maytapi-review: {escape_text(args.preview)}: {said}", file=sys.stderr)
        return 2
    sys.stdout.write(render(summary, args.format, args.title))
    if args.fail_on_destructive and summary.destructive:
        print("maytapi-review: a destructive action would fire (--fail-on-destructive)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
