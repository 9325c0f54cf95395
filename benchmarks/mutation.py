"""Mutation testing of the core modules: how many small deliberate bugs do their tests catch?

Mutants are generated from each module's AST (nothing refers to line numbers, so the tool follows
the code as it changes): a comparison's boundary or sense flipped (``<`` / ``<=``, ``==`` / ``!=``,
``in`` / ``not in``), an arithmetic operator swapped, ``and`` / ``or`` swapped, a ``not`` or unary
minus dropped, a number moved by one, a boolean flipped, ``break`` / ``continue`` swapped. Docstrings,
strings, f-strings and annotations are left alone. A mutant is *killed* when the module's tests fail
(or time out) with it, and *survives* when they pass.

Speed: a parent process imports every harness module (and so the libraries they use) once, then
forks a child per mutant. The child forgets the project's own modules, serves the mutated source for
the module through an import hook, and runs only the tests that execute the mutated lines (recorded
per test in a first, unmutated run of the module's tests), fastest first, with ``-x`` (the first
failure kills the mutant) and ``-m "not slow"``; a mutant no test reaches survives without a run, and
one that runs past three times its tests' time is killed (a timeout). ``--workers`` children run at
once. Tests that start ``python -m harness`` in a subprocess do not see the mutant, so the score is a
lower bound.

Equivalent mutants (no test can tell them from the original) are listed in :data:`EQUIVALENT` by
module, function and the original and mutated code, each with the reason; they are reported but
left out of the score.

    PYTHONPATH=. python benchmarks/mutation.py [--workers 2] [--module gate ...] [--list] [--json out.json]
"""

from __future__ import annotations

import argparse
import ast
import copy
import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import pkgutil
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# module -> (source file, the tests that exercise it)
MODULES: dict[str, tuple[str, list[str]]] = {
    "facts checker": (
        "harness/facts/checker.py",
        [
            "tests/facts/test_facts_checker.py",
            "tests/facts/test_facts_run.py",
            "tests/facts/test_facts_contradiction.py",
        ],
    ),
    "significance": (
        "harness/results/significance.py",
        ["tests/results/test_significance.py", "tests/results/test_compare.py"],
    ),
    "rouge": ("harness/metrics/rouge.py", ["tests/metrics/test_rouge.py"]),
    "resume": ("harness/pipeline/resume.py", ["tests/pipeline/test_resume.py"]),
    "score cache": ("harness/pipeline/score_cache.py", ["tests/pipeline/test_score_cache.py"]),
    "faithfulness": ("harness/metrics/faithfulness.py", ["tests/metrics/test_faithfulness.py"]),
    "gate": ("harness/results/gate.py", ["tests/results/test_gate.py"]),
}

# -x: the first failing test kills the mutant. Plain asserts and no hypothesis plugin: rewriting test
# modules and importing hypothesis cost seconds per child and decide nothing.
PYTEST_ARGS = ["-x", "-q", "-m", "not slow", "--assert=plain", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]

# (module, function, original, mutated) -> why no test can tell the mutant from the original.
_FROZEN = "frozen=True only forbids assigning to fields, which no code does"
EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("facts checker", "FactVerdict", "True", "False"): _FROZEN,
    ("gate", "MetricCheck", "True", "False"): _FROZEN,
    ("gate", "GateResult", "True", "False"): _FROZEN,
    ("gate", "check_run", "0", "1"): "ar_trials: the gate reads only the bootstrap p-value, never the AR one",
    ("gate", "write_baseline", "1", "2"): "the JSON indent of the baseline file",
    ("significance", "SufficientStats", "True", "False"): _FROZEN,
    ("significance", "BootstrapResult", "True", "False"): _FROZEN,
    ("significance", "<module>._AR_CHUNK", "1000", "1001"): "trials per matrix product: bounds memory only",
    ("score cache", "ScoreCache.score", "True", "False"): "strict=False on one of the two zips over the same "
    "lists: the other, still strict, raises the same error",
    ("score cache", "metric_key", "True", "False"): "sort_keys: the payload is built with its keys in one fixed order",
    ("score cache", "ScoreCache._lookup", "500", "501"): "the lookup chunk only has to stay under SQLite's "
    "bound-variable limit (32766)",
    ("rouge", "RougeMetric.parallel", "True", "False"): "only lets metrics.workers use processes; results are "
    "identical either way (tests/metrics/test_parallel_metrics.py)",
    ("resume", "prepare", "True", "False"): "keep_failed for examples.jsonl, whose lines have no output: all "
    "are dropped and the resumed run lists them again, leaving the same file",
    ("resume", "_repair", "False", "True"): "torn=True from the start only rewrites the file with the same lines",
    ("resume", "_repair", "break", "continue"): "a line without a newline can only be the file's last",
    ("faithfulness", "SourceEncoding", "True", "False"): _FROZEN,
    ("faithfulness", "FaithfulnessScorer.__init__", "16", "17"): "the batch size (outputs move by ~1e-8)",
    ("faithfulness", "FaithfulnessMetric.__init__", "16", "17"): "the batch size (outputs move by ~1e-8)",
    (
        "faithfulness",
        "_alignment",
        "len(embeddings) == 0 or len(source.token_embeddings) == 0",
        "len(embeddings) == 0 and len(source.token_embeddings) == 0",
    ): "without source tokens every similarity row is the fill value -1, clamped to 0: the alignment is 0.0 either way",
    ("faithfulness", "_alignment", "1.0", "2.0"): "the upper clamp: cosine similarities of unit vectors exceed 1 "
    "only by float rounding",
    ("faithfulness", "_entity_supported", "0", "1"): "the span of the Item built for the support test, which "
    "reads only its text",
}

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}


@dataclass(frozen=True)
class Mutant:
    module: str
    function: str  # enclosing class.function, or "<module>"
    line: int  # first and last line of the mutated code in the module as it is
    end_line: int
    original: str
    mutated: str
    source: str  # the whole mutated module


@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    seconds: float
    how: str  # "failed" or "timeout" (killed), "survived" or "not reached" (by any test)


SKIPPED_FIELDS = {"annotation", "returns", "type_comment"}  # never mutated


class _Sites(ast.NodeVisitor):
    """Every mutable spot of a tree, in walk order: (path of the node, enclosing function, variant)."""

    def __init__(self) -> None:
        self.sites: list[tuple[tuple[tuple[str, int | None], ...], str, int]] = []
        self._path: list[tuple[str, int | None]] = []
        self._scope: list[str] = []
        self._functions: list[str] = []

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.JoinedStr):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a bare string
        scoped = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if scoped:
            self._scope.append(node.name)
            if not isinstance(node, ast.ClassDef):
                self._functions.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and not self._in_function():
            # A module or class constant is named by its target: ``<module>._AR_CHUNK``, ``RougeMetric.parallel``.
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            scoped = isinstance(target, ast.Name)
            if scoped:
                self._scope.append(target.id if self._scope else f"<module>.{target.id}")
        for variant in range(_variants(node)):
            self.sites.append((tuple(self._path), ".".join(self._scope) or "<module>", variant))
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            self._leave(node, scoped)  # -1 is one constant: dropping the minus is its mutant
            return
        for name, value in ast.iter_fields(node):
            if name in SKIPPED_FIELDS:
                continue
            if isinstance(value, list):
                for index, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        self._path.append((name, index))
                        self.visit(child)
                        self._path.pop()
            elif isinstance(value, ast.AST):
                self._path.append((name, None))
                self.visit(value)
                self._path.pop()
        self._leave(node, scoped)

    def _leave(self, node: ast.AST, scoped: bool) -> None:
        if scoped:
            self._scope.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._functions.pop()

    def _in_function(self) -> bool:
        return bool(self._functions)


def _variants(node: ast.AST) -> int:
    """How many mutants a node gives."""
    if isinstance(node, ast.Compare):
        return sum(type(op) in COMPARE_SWAPS for op in node.ops)
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        return int(type(node.op) in BINOP_SWAPS)
    if isinstance(node, (ast.BoolOp, ast.Break, ast.Continue)):
        return 1
    if isinstance(node, ast.UnaryOp):
        return int(isinstance(node.op, (ast.Not, ast.USub)))
    if isinstance(node, ast.Constant):
        value = node.value
        return int(isinstance(value, (bool, int, float)) and not isinstance(value, complex))
    return 0


def _mutate(node: ast.AST, variant: int) -> ast.AST:
    """The mutated replacement of ``node`` (a new node, or ``node`` changed in place)."""
    if isinstance(node, ast.Compare):
        swappable = [i for i, op in enumerate(node.ops) if type(op) in COMPARE_SWAPS]
        index = swappable[variant]
        node.ops[index] = COMPARE_SWAPS[type(node.ops[index])]()
        return node
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        node.op = BINOP_SWAPS[type(node.op)]()
        return node
    if isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node
    if isinstance(node, ast.Break):
        return ast.Continue()
    if isinstance(node, ast.Continue):
        return ast.Break()
    if isinstance(node, ast.UnaryOp):
        return node.operand
    if isinstance(node, ast.Constant):
        value = node.value
        return ast.Constant(not value if isinstance(value, bool) else value + 1)
    raise TypeError(type(node))


def _resolve(tree: ast.AST, path: tuple[tuple[str, int | None], ...]) -> tuple[ast.AST, str, int | None]:
    """The parent of the node at ``path`` and where in it the node sits."""
    parent = tree
    for name, index in path[:-1]:
        child = getattr(parent, name)
        parent = child[index] if index is not None else child
    name, index = path[-1]
    return parent, name, index


def mutants(module: str, path: Path) -> Iterator[Mutant]:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    finder = _Sites()
    finder.visit(tree)
    for site, function, variant in finder.sites:
        mutated_tree = copy.deepcopy(tree)
        parent, name, index = _resolve(mutated_tree, site)
        node = getattr(parent, name)[index] if index is not None else getattr(parent, name)
        original = ast.unparse(node)
        replacement = _mutate(node, variant)
        if index is not None:
            getattr(parent, name)[index] = replacement
        else:
            setattr(parent, name, replacement)
        mutated = ast.unparse(replacement)
        if mutated == original:
            continue
        line = getattr(node, "lineno", 0)
        yield Mutant(
            module, function, line, getattr(node, "end_lineno", line), original, mutated, ast.unparse(mutated_tree)
        )


class _MutantLoader(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the mutated source for one module name; every other import goes the usual way."""

    def __init__(self, name: str, filename: str, source: str) -> None:
        self.name, self.filename, self.source = name, filename, source

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.filename)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = self.filename
        exec(compile(self.source, self.filename, "exec"), module.__dict__)


class _LineCoverage:
    """A pytest plugin for the unmutated run: which lines of one file each test executes, and how long
    each test takes. Lines run outside any test (imports, collection) go under ``""``."""

    def __init__(self, filename: str, out: Path) -> None:
        self.filename, self.out = filename, out
        self.current = ""
        self.lines: dict[str, set[int]] = {"": set()}
        self.seconds: dict[str, float] = {}
        sys.settrace(self._call)
        threading.settrace(self._call)

    def _call(self, frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        if frame.f_code.co_filename != self.filename:
            return None
        self.lines[self.current].add(frame.f_lineno)
        return self._line

    def _line(self, frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        self.lines[self.current].add(frame.f_lineno)
        return self._line

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.current = item.nodeid
        self.lines.setdefault(item.nodeid, set())
        started = time.monotonic()
        yield
        self.seconds[item.nodeid] = time.monotonic() - started
        self.current = ""

    def pytest_sessionfinish(self) -> None:
        sys.settrace(None)
        covered = {test: sorted(lines) for test, lines in self.lines.items()}
        self.out.write_text(json.dumps({"lines": covered, "seconds": self.seconds}), encoding="utf-8")


def _preload() -> None:
    """Import every harness module and the test helpers once, in the parent, so that the libraries they
    use are loaded before forking; each child then drops the project's own modules (see :func:`_purge`)."""
    import torch

    import harness

    torch.set_num_threads(1)
    for info in pkgutil.walk_packages(harness.__path__, "harness."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    importlib.import_module("testkit")
    gc.freeze()  # the children's garbage collections skip everything loaded so far


def _purge() -> None:
    """Forget the project's modules (harness, conftest, test helpers): the child imports them afresh,
    the mutant among them, while third-party libraries stay loaded."""
    tests = {p.stem for p in (ROOT / "tests").rglob("*.py")}
    for name in list(sys.modules):
        if name == "harness" or name.startswith("harness.") or name in tests:
            del sys.modules[name]


def _module_name(relative: str) -> str:
    return relative.removesuffix(".py").replace("/", ".")


def _start(relative: str, tests: list[str], source: str | None, basetemp: Path, coverage: Path | None) -> int:
    """Fork a child that runs ``tests`` (with ``source`` in place of the module when given, recording
    line coverage into ``coverage`` when given)."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.environ["HARNESS_CACHE"] = str(basetemp.with_name(basetemp.name + "-cache"))  # none shared
        _purge()
        if source is not None:
            sys.meta_path.insert(0, _MutantLoader(_module_name(relative), str(ROOT / relative), source))
        plugins = [_LineCoverage(str(ROOT / relative), coverage)] if coverage else []
        code = pytest.main(
            [*tests, *PYTEST_ARGS, f"--basetemp={basetemp}"],
            plugins=plugins,
        )
        os._exit(int(code))
    except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
        os._exit(99)


@dataclass(frozen=True)
class Job:
    relative: str  # the module's file
    tests: list[str]  # pytest arguments: files or test ids, fastest first
    mutant: Mutant | None  # None: the unmutated module, recording coverage
    timeout: float
    coverage: Path | None = None


def run_all(jobs: list[Job], workers: int) -> Iterator[tuple[Job, int | None, float]]:
    """Run the jobs, ``workers`` at a time; yield (job, exit status or None on timeout, seconds)."""
    pending = list(reversed(jobs))
    running: dict[int, tuple[Job, float, Path]] = {}
    while pending or running:
        while pending and len(running) < workers:
            job = pending.pop()
            basetemp = Path(tempfile.mkdtemp(prefix="mutant-"))
            source = job.mutant.source if job.mutant else None
            pid = _start(job.relative, job.tests, source, basetemp, job.coverage)
            running[pid] = (job, time.monotonic(), basetemp)
        pid, status = os.waitpid(-1, os.WNOHANG)
        now = time.monotonic()
        finished: list[tuple[int, int | None]] = []
        if pid:
            finished.append((pid, os.waitstatus_to_exitcode(status)))
        for other, (job, started, _) in running.items():
            if other != pid and now - started > job.timeout:
                os.killpg(other, signal.SIGKILL)
                os.waitpid(other, 0)
                finished.append((other, None))
        for done, code in finished:
            job, started, basetemp = running.pop(done)
            shutil.rmtree(basetemp, ignore_errors=True)
            shutil.rmtree(basetemp.with_name(basetemp.name + "-cache"), ignore_errors=True)
            yield job, code, now - started
        if not pid and not finished:
            time.sleep(0.05)


def covering_tests(mutant: Mutant, coverage: dict[str, Any]) -> list[str]:
    """The tests that execute the mutated lines, fastest first; all of them for code that runs at
    import (module and class bodies), none for code no test reaches."""
    lines = set(range(mutant.line, mutant.end_line + 1))
    seconds: dict[str, float] = coverage["seconds"]
    if lines & set(coverage["lines"][""]) and not any(
        lines & set(covered) for test, covered in coverage["lines"].items() if test
    ):
        chosen = list(seconds)
    else:
        chosen = [test for test, covered in coverage["lines"].items() if test and lines & set(covered)]
    return sorted(chosen, key=lambda test: seconds.get(test, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="only these (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args()
    os.chdir(ROOT)
    for name, value in [
        ("HARNESS_PROGRESS", "0"),
        ("HF_HUB_OFFLINE", "1"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("OMP_NUM_THREADS", "1"),
    ]:
        os.environ.setdefault(name, value)
    chosen = args.module or list(MODULES)
    generated = {name: list(mutants(name, ROOT / MODULES[name][0])) for name in chosen}
    if args.list:
        for name, found in generated.items():
            for m in found:
                print(f"{name}\t{m.function}:{m.line}\t{m.original}  ->  {m.mutated}")
        return
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    _preload()
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="mutation-"))
    # The unmutated modules first: their tests must pass; the run records which test reaches which line.
    baseline = [Job(MODULES[n][0], MODULES[n][1], None, 3600.0, scratch / f"{i}.json") for i, n in enumerate(chosen)]
    coverage: dict[str, dict[str, Any]] = {}
    for job, code, seconds in run_all(baseline, args.workers):
        if code != 0:
            raise SystemExit(f"the tests of {job.relative} fail without any mutant (exit {code})")
        assert job.coverage is not None
        coverage[job.relative] = json.loads(job.coverage.read_text(encoding="utf-8"))
        print(f"{job.relative}: tests pass in {seconds:.1f} s", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)

    outcomes: list[Outcome] = []
    equivalent: list[Mutant] = []
    jobs = []
    for name, found in generated.items():
        relative = MODULES[name][0]
        for mutant in found:
            if (mutant.module, mutant.function, mutant.original, mutant.mutated) in EQUIVALENT:
                equivalent.append(mutant)
                continue
            tests = covering_tests(mutant, coverage[relative])
            if not tests:
                outcomes.append(Outcome(mutant, False, 0.0, "not reached"))
                continue
            budget = sum(coverage[relative]["seconds"].get(t, 0.0) for t in tests)
            jobs.append(Job(relative, tests, mutant, 3 * budget + 30))
    print(f"{len(jobs)} mutants to run, {len(outcomes)} reached by no test, {len(equivalent)} equivalent", flush=True)
    for job, code, seconds in run_all(jobs, args.workers):
        assert job.mutant is not None
        how = "timeout" if code is None else ("survived" if code == 0 else "failed")
        outcomes.append(Outcome(job.mutant, how in ("timeout", "failed"), seconds, how))
    elapsed = time.monotonic() - started
    for outcome in sorted(outcomes, key=lambda o: (o.mutant.module, o.mutant.line)):
        if not outcome.killed:
            m = outcome.mutant
            print(f"  {outcome.how}: {m.module} {m.function}:{m.line}  {m.original}  ->  {m.mutated}")
    print("\n| module | mutants | killed | survived | equivalent (excluded) | score |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in chosen:
        mine = [o for o in outcomes if o.mutant.module == name]
        killed = sum(o.killed for o in mine)
        excluded = sum(m.module == name for m in equivalent)
        score = f"{killed / len(mine):.0%}" if mine else "-"
        print(f"| {name} | {len(mine)} | {killed} | {len(mine) - killed} | {excluded} | {score} |")
    print(f"\n{len(outcomes)} mutants in {elapsed / 60:.1f} min with {args.workers} workers")
    if args.json:
        rows = [
            {**asdict(o.mutant), "source": None, "killed": o.killed, "how": o.how, "seconds": round(o.seconds, 2)}
            for o in outcomes
        ]
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
