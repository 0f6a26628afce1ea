#!/usr/bin/python3
"""Batch oracle: evaluate many element expansions with DIB's own code.

Reads {"cases": [{"id", "path", "elements", "maxTrials"?}]} as JSON on stdin and
prints {"results": [{"id", "outcomes", "trials", "exhaustive"}]} on stdout.

DIB enqueues dependencies in Python set order, so one run only shows one of the
results DIB can give. Besides the plain run (this process's PYTHONHASHSEED), each
case is re-run with every element's deps/provides handed to DIB's unchanged
expansion function in chosen orders: all orders when there are few enough,
otherwise a random sample. The distinct outcomes are reported; more than one
means DIB itself is non-deterministic for that request.

Run with /usr/bin/python3 (the interpreter that has diskimage_builder).
"""
import copy
import itertools
import json
import logging
import math
import random
import sys

from diskimage_builder import element_dependencies as ed


class _Ordered(object):
    """Stands in for a set: iterates, and subtracts, in a fixed order."""

    def __init__(self, items):
        self.items = list(items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __contains__(self, item):
        return item in self.items

    def __sub__(self, other):
        return [x for x in self.items if x not in other]


class _Capture(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, level=logging.ERROR)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


_capture = _Capture()
ed.logger.addHandler(_capture)
ed.logger.propagate = False
ed.logger.setLevel(logging.ERROR)


def _error_outcome(exc, log_lines):
    return {
        "ok": False,
        "error": type(exc).__name__,
        "message": str(exc),
        "log": sorted(log_lines),
    }


def _run(user_elements, all_elements):
    del _capture.lines[:]
    try:
        out = ed._expand_element_dependencies(list(user_elements), all_elements)
    except Exception as exc:  # DIB raises plain subclasses of Exception
        return _error_outcome(exc, _capture.lines)
    return {"ok": True, "elements": {e.name: e.path for e in out}}


def _reachable(user_elements, all_elements):
    """Element names whose deps/provides order could matter (deps closure)."""
    seen, todo = set(), list(user_elements)
    while todo:
        name = todo.pop()
        if name in seen or name not in all_elements:
            continue
        seen.add(name)
        todo.extend(all_elements[name].depends)
    return sorted(seen)


def _with_orders(all_elements, orders):
    clone = dict(all_elements)
    for name, (deps, provides) in orders.items():
        obj = copy.copy(all_elements[name])
        obj.depends = _Ordered(deps)
        obj.provides = _Ordered(provides)
        clone[name] = obj
    return clone


def _evaluate(case):
    user = case["elements"]
    max_trials = int(case.get("maxTrials", 400))
    outcomes = {}

    def record(outcome):
        outcomes[json.dumps(outcome, sort_keys=True)] = outcome

    try:
        all_elements = ed._find_all_elements(case["path"])
    except Exception as exc:
        record(_error_outcome(exc, []))
        return {"id": case["id"], "outcomes": list(outcomes.values()), "trials": 1,
                "exhaustive": True}

    record(_run(user, all_elements))
    names = _reachable(user, all_elements)
    choices = [(n, sorted(all_elements[n].depends), sorted(all_elements[n].provides))
               for n in names]
    total = 1
    for _, deps, provides in choices:
        total *= math.factorial(len(deps)) * math.factorial(len(provides))
        if total > max_trials:
            break
    exhaustive = total <= max_trials
    trials = 1
    if exhaustive:
        per_element = [[(n, d, p) for d in itertools.permutations(deps)
                        for p in itertools.permutations(provides)]
                       for n, deps, provides in choices]
        for combo in itertools.product(*per_element):
            record(_run(user, _with_orders(
                all_elements, {n: (d, p) for n, d, p in combo})))
            trials += 1
    else:
        rng = random.Random(str(case["id"]))
        for _ in range(max_trials):
            orders = {}
            for n, deps, provides in choices:
                d, p = list(deps), list(provides)
                rng.shuffle(d)
                rng.shuffle(p)
                orders[n] = (d, p)
            record(_run(user, _with_orders(all_elements, orders)))
            trials += 1
    return {"id": case["id"], "outcomes": list(outcomes.values()), "trials": trials,
            "exhaustive": exhaustive}


def main():
    request = json.load(sys.stdin)
    results = [_evaluate(case) for case in request["cases"]]
    json.dump({"results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
