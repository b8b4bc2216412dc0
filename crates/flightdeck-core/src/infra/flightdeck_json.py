# flightdeck's ansible stdout callback: one JSON line per task result on stdout (for the step log)
# and, at the end, every result in the file named by $FLIGHTDECK_ANSIBLE_OUT (ansible-core has no
# json callback of its own).
from __future__ import annotations

import difflib
import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: flightdeck_json
type: stdout
short_description: machine-readable task results for flightdeck
description: Prints one JSON line per task result and writes every result to $FLIGHTDECK_ANSIBLE_OUT.
"""


def _diff_text(d):
    if not isinstance(d, dict):
        return ""
    if d.get("prepared"):
        return str(d["prepared"])
    before, after = d.get("before", ""), d.get("after", "")
    if isinstance(before, dict) or isinstance(after, dict):
        before = json.dumps(before, sort_keys=True, indent=1)
        after = json.dumps(after, sort_keys=True, indent=1)
    lines = difflib.unified_diff(
        str(before).splitlines(), str(after).splitlines(),
        str(d.get("before_header", "before")), str(d.get("after_header", "after")), lineterm="")
    return "\n".join(lines)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "flightdeck_json"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = []
        self.play = ""

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()

    def _add(self, result, status):
        r = result._result
        diffs = r.get("diff", [])
        if isinstance(diffs, dict):
            diffs = [diffs]
        for item in r.get("results", []) or []:
            if isinstance(item, dict) and item.get("diff"):
                d = item["diff"]
                diffs.extend(d if isinstance(d, list) else [d])
        entry = {
            "play": self.play,
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "action": result._task.action,
            "status": status,
            "changed": bool(r.get("changed")),
            "msg": str(r.get("msg", r.get("stderr", "")))[:2000],
            "diff": "\n".join(t for t in (_diff_text(d) for d in diffs) if t),
        }
        self.results.append(entry)
        self._display.display(json.dumps(entry))

    def v2_runner_on_ok(self, result):
        self._add(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._add(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_unreachable(self, result):
        self._add(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._add(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("FLIGHTDECK_ANSIBLE_OUT")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"results": self.results}, f)
