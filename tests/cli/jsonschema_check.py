#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Validate JSON lines against the schemas of docs/cli.md with a standard
JSON Schema validator (python3-jsonschema, draft 2020-12), every schema
registered by its $id so that "tdxtrace:defs#/$defs/NAME" resolves as any
validator resolves it.

  jsonschema_check.py CLI.md --check             every schema is valid and
                                                 every $ref in it resolves
  jsonschema_check.py CLI.md SCHEMA_ID < FILE    each line of FILE validates
"""
import json
import re
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def load(md):
    text = open(md, encoding="utf-8").read()
    schemas = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
    reg = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
        for s in schemas)
    return {s["$id"]: s for s in schemas}, reg


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def main():
    schemas, reg = load(sys.argv[1])
    if sys.argv[2] == "--check":
        bad = 0
        for sid, s in schemas.items():
            jsonschema.Draft202012Validator.check_schema(s)
            resolver = reg.resolver(base_uri=sid)
            for r in refs(s):
                try:
                    resolver.lookup(r)
                except Exception as e:  # noqa: BLE001 - report any failure
                    print(f"{sid}: $ref {r} does not resolve: {e}")
                    bad += 1
        print(f"{len(schemas)} schemas, every $ref resolved" if not bad else f"{bad} bad refs")
        return 1 if bad else 0
    v = jsonschema.Draft202012Validator(schemas[sys.argv[2]], registry=reg)
    n = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        n += 1
        errs = sorted(v.iter_errors(json.loads(line)), key=lambda e: list(e.path))
        for e in errs[:5]:
            print(f"line {n}: {'/'.join(map(str, e.path))}: {e.message[:300]}")
        if errs:
            return 1
    if not n:
        print("no JSON line to check")
        return 1
    print(f"{n} objects valid against {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
