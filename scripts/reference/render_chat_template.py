#!/usr/bin/env python3
"""Reference renderer for chat templates: renders a Jinja chat template the way
HF transformers' apply_chat_template does (transformers/utils/chat_template_utils.py),
using only jinja2, so polysafe's C++ renderer can be compared byte for byte.

Environment: jinja2 ImmutableSandboxedEnvironment(trim_blocks=True,
lstrip_blocks=True) with the loopcontrols extension and a {% generation %} tag
that renders its body; `tojson` is json.dumps(x, ensure_ascii=False, indent=None,
separators=None, sort_keys=False); globals raise_exception, strftime_now, dict and
namespace (refusing underscore-prefixed attributes) as HF defines them.

Usage:
  render_chat_template.py TEMPLATE_FILE CASES_JSON [-o OUT_JSON]

CASES_JSON is a list of cases. A chat case:
  {"messages": [{"role": ..., "content": ...}], "add_generation_prompt": bool,
   "bos_token": str, "eos_token": str, "extra": {...more variables}}
is rendered with messages, tools=None, documents=None, add_generation_prompt,
bos_token, eos_token and the extra variables. A case {"context": {...}} renders
with exactly those variables. Output: a list of {"ok": true, "text": ...} or
{"ok": false, "error": "<ExceptionType>: <message>"}, one per case.
"""
import argparse
import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.utils
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(jinja2.ext.Extension):
    """HF's AssistantTracker without tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    class TemplateDict:
        def __call__(self, *args, **kwargs):
            return dict(*args, **kwargs)

        def fromkeys(self, *args, **kwargs):
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):
        def __init__(*args, **kwargs):
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name, value):
            TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check_name(name):
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    "Chat templates cannot store underscore-prefixed attributes on a namespace, "
                    f"but got {name!r}. Please rename the attribute.")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env


def render_case(template, case):
    if "context" in case:
        return template.render(**case["context"])
    variables = dict(case.get("extra", {}))
    variables.update(
        messages=case["messages"],
        tools=None,
        documents=None,
        add_generation_prompt=case.get("add_generation_prompt", False),
        bos_token=case.get("bos_token", ""),
        eos_token=case.get("eos_token", ""),
    )
    return template.render(**variables)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("template")
    ap.add_argument("cases")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    with open(args.template, encoding="utf-8", newline="") as f:
        source = f.read()
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    env = make_environment()
    results = []
    try:
        template = env.from_string(source)
    except Exception as e:  # a template that does not compile fails every case
        results = [{"ok": False, "error": f"{type(e).__name__}: {e}"} for _ in cases]
        template = None
    if template is not None:
        for case in cases:
            try:
                results.append({"ok": True, "text": render_case(template, case)})
            except Exception as e:
                results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
    out = json.dumps(results, ensure_ascii=False, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(out)
    else:
        sys.stdout.write(out)


if __name__ == "__main__":
    main()
