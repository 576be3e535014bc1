"""What a patch target really refers to, and the one verdict it deserves.

A target can be wrong in several ways at once (`patch("svc.MongoClient")` applied after `svc`
was imported, where `svc` did `from pymongo import MongoClient`, only uses it at import...).
Reporting each way would bury the fix, so the verdicts are decided here, in one order, and each
rule turns its own verdict into a finding:

1. a thread class patched after a `from threading import Thread` bound it   -> LH303
2. a name the module under test binds by `from X import name`, patched at X after the import:
   used only at import -> LH104, else -> LH102 (with the rewritten target)
3. a name of a module under test: missing -> LH102 (reached through `import lib`) or LH103;
   present but used only while the module is imported, patched after that -> LH104
4. a third-party name used through `import lib` only at import, patched after -> LH104
5. a third-party module that no module under test imports                  -> LH101
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.analysis import EffectKind
from harness.analysis.packages import is_stdlib
from harness.lint.project import FileContext, Subject
from harness.lint.records import is_test_file
from harness.lint.reach import Reach, display_lookup, lookups_of
from harness.lint.setup_facts import PatchCall

THREAD_TARGETS = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process"})
_MODULE_ATTRIBUTES = frozenset(
    {
        "__name__",
        "__file__",
        "__doc__",
        "__dict__",
        "__path__",
        "__spec__",
        "__loader__",
        "__package__",
        "__builtins__",
        "__all__",
        "__version__",
    }
)
_DEFINING_NOTES = (
    "star import",
    "module-level __getattr__",
    "names bound through globals",
    "exec()",
    "the module replaces itself",
)


@dataclass(frozen=True)
class Verdict:
    code: str
    patch: PatchCall
    target: str
    subject: Subject | None = None
    name: str = ""  # the attribute or binding concerned
    detail: str = ""  # rule-specific: replacement target, similar names, objects built…
    line: int = 0  # a line in the subject's file the message can cite
    lookup: str = ""  # the reachable lookup that misses the patch (`run() at pkg/b.py:4`)


def classify(context: FileContext, patch: PatchCall) -> Verdict | None:
    target = patch.target
    if target is None and patch.obj and patch.attribute and patch.how != "assign":
        return _fixture_module(context, patch)
    if target is None or patch.how == "assign" or "." not in target:
        return None
    if target in THREAD_TARGETS:
        return _thread_binding(context, patch, target)
    verdict = _from_import_binding(context, patch, target)
    if verdict is not None:
        return verdict
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        subject = context.subject_named(".".join(parts[:cut]))
        if subject is not None:
            return _local(context, patch, target, subject, parts[:cut], parts[cut:])
    return _third_party(context, patch, target, parts)


# ---------------------------------------------------------------------------------------------


def _fixture_module(context: FileContext, patch: PatchCall) -> Verdict | None:
    """`monkeypatch.setattr(current, "name", ...)` where the fixture `current` is a module."""
    path = context.fixture_subjects.get(patch.obj or "")
    subject = context.subjects.get(path) if path else None
    if subject is None or patch.create:
        return None
    name = patch.attribute or ""
    facts = subject.facts
    if name in facts.definitions or name in _MODULE_ATTRIBUTES or any(
        note.message.startswith(_DEFINING_NOTES) for note in facts.unknowable
    ):
        return None
    candidates = sorted(n for n in facts.definitions if not n.startswith("__"))
    return Verdict("LH103", patch, f"{patch.obj}.{name}", subject, name, ",".join(candidates))


def _thread_binding(context: FileContext, patch: PatchCall, target: str) -> Verdict | None:
    for subject in context.subjects.values():
        for binding in context.project.from_imports(subject.path).get(target, ()):
            if context.patch_is_late(patch, subject.path):
                return Verdict("LH303", patch, target, subject, binding.bound_as, line=binding.line)
    return None


def _from_import_binding(context: FileContext, patch: PatchCall, target: str) -> Verdict | None:
    module, _, name = target.rpartition(".")
    owner = context.subject_named(module)
    if owner is not None and context.project.binding(owner.path, name) is not None:
        return None  # the target is itself a lookup site: the module that imported the name
    wanted = canonical(context, target)
    matches = []
    subjects = context.subjects
    context.index_subjects()
    for path in context.project.modules_binding(wanted):
        subject = subjects.get(path)
        if subject is None or target.startswith(tuple(f"{alias}." for alias in subject.names)):
            continue  # not under test here, or the target is this module's own name
        matches.extend((subject, b) for b in context.project.from_imports(path)[wanted])
    matches.sort(key=lambda match: (match[0].path, match[1].line, match[1].bound_as))
    late = [(s, b) for s, b in matches if context.patch_is_late(patch, s.path)]
    if not late or len(late) < len(matches) or _reloads(context):
        return None  # a module imported (or reloaded) under the patch copied the mock
    if used_later(context, wanted) or imported_later(context, wanted):
        return None  # some module looks it up at call time, where the patch does reach
    if target != wanted and (used_later(context, target) or imported_later(context, target)):
        return None
    subject, binding = late[0]
    built = import_only_objects(context, subject, binding.bound_as, binding.qualified)
    if built is not None:
        return Verdict("LH104", patch, target, subject, binding.bound_as, built, binding.line)
    # LH102 only when every lookup the test can reach misses the patch: none through the
    # patched module's own globals or through `module.name`, at least one through a copy.
    project = context.project
    if not any(b.bound_as in project.runtime_names(s.path) for s, b in late):
        return None  # no function uses a copy: no lookup the test could make misses the patch
    reach = reach_of_patch(context, patch)
    if reach is None or reach.unknown:
        return None
    graph = context.project.call_graph
    owner_path = context.project.find_module(module, context.roots)
    own, through = lookups_of(graph, reach, owner_path or "", name, frozenset({target, wanted}))
    if own or through:
        return None
    misses = [
        (s, b, lookup)
        for s, b in late
        for lookup in lookups_of(graph, reach, s.path, b.bound_as, frozenset())[0]
    ]
    if not misses:
        return None  # no reachable code uses the copy either: nothing the test can observe
    subject, binding, lookup = misses[0]
    replacement = ""
    # The module's names as the tests import it; reached only through other modules, its own.
    names = subject.import_names or (
        {subject.facts.module_name} if subject.facts.module_name else set()
    )
    if len({(s.path, b.bound_as) for s, b, _ in misses}) == 1 and len(names) == 1:
        # The one binding every reachable lookup uses: patching it is what the test meant.
        replacement = f"{min(names)}.{binding.bound_as}"
    return Verdict(
        "LH102", patch, target, subject, binding.bound_as, replacement, binding.line,
        display_lookup(lookup, context.project.root),
    )


def _local(
    context: FileContext,
    patch: PatchCall,
    target: str,
    subject: Subject,
    module_parts: list[str],
    rest: list[str],
) -> Verdict | None:
    name = rest[0]
    facts = subject.facts
    exists = (
        name in facts.definitions
        or name in _MODULE_ATTRIBUTES
        or _is_submodule(context, ".".join(module_parts), name)
    )
    if exists:
        binding = context.project.binding(subject.path, name)
        qualified = binding.qualified if binding else f"{facts.module_name}.{name}"
        built = import_only_objects(context, subject, name, qualified)
        if built is not None and len(rest) == 1:
            # (Only the name itself: patching `svc.Client.send` changes the class, which the
            # objects built at import still use.  A reload re-binds the real name: no help.)
            # Wherever the test imports the module: `patch` imports its target before replacing
            # the name, so the module's import-time code has run with the real one.
            late = context.patch_is_late(patch, subject.path)
            return Verdict(
                "LH104", patch, target, subject, name, built, binding.line if binding else 0,
                "" if late else "imports-first",
            )
        return None
    if any(note.message.startswith(_DEFINING_NOTES) for note in facts.unknowable):
        return None
    if creates_builtin(patch, name) and name in context.project.runtime_names(subject.path):
        return None  # the module's own `open(...)` finds the attribute mock creates first
    used = []
    text = context.project.source_text(subject.path)
    for binding in facts.imports:
        if (
            binding.name is None
            and binding.at_import_time
            and re.search(rf"(?<![\w.]){re.escape(binding.bound_as)}\.{re.escape(name)}\b", text)
        ):
            module = (
                binding.module
                if binding.bound_as != binding.module.split(".")[0]
                else binding.bound_as
            )
            used.append((binding, module))
    if used:
        binding, module = used[0]
        replacement = ".".join([module, *rest]) if len({m for _, m in used}) == 1 else ""
        return Verdict("LH102", patch, target, subject, name, replacement, binding.line)
    if patch.create or creates_builtin(patch, name):
        return None  # creating the attribute is what the test asked for (or mock's own rule)
    candidates = sorted(n for n in facts.definitions if not n.startswith("__"))
    return Verdict("LH103", patch, target, subject, name, ",".join(candidates))


def _third_party(
    context: FileContext, patch: PatchCall, target: str, parts: list[str]
) -> Verdict | None:
    # Used through `import lib` while the module under test is imported: `lib.Client(...)`.
    for subject in context.subjects.values():
        for effect in subject.facts.effects:
            if effect.target == target and not effect.derived_from:
                built = import_only_objects(context, subject, None, target)
                if (built is not None and context.patch_is_late(patch, subject.path)
                        and not _reloads(context)):
                    return Verdict("LH104", patch, target, subject, parts[-1], built, effect.line)
    if not parts[0] or is_stdlib(parts[0]) or not context.subjects_fully_known or (
        context.is_helper
    ):
        return None  # (an empty head: a relative import, the test suite's own code)
    if _is_local(context, parts):
        return None  # the project's own code (a sibling test module's class): not third-party
    if context.imports_unresolved(parts[0]):
        return None  # the tests import it but it was not found: unknown, not third-party
    module = module_part(parts)
    if any(context.imports_module(m, lazily=lazily) for lazily in (False, True)
           for m in (module, parts[0])):
        # The library itself is in use: its own code calls its parts through their modules
        # (`homeassistant` calling `persistent_notification.async_create`), so a patch of one
        # of them can change what the code under test gets from it.
        return None
    if _loaded_at_run_time(context, module):
        return None
    return Verdict("LH101", patch, target, None, module)


# Test plugins that import a project's packages themselves, at run time, whatever the tests
# import: the marker naming the plugin (or its fixture) in the tests, and the directory of the
# packages it loads.  Home Assistant's test plugin loads every integration of custom_components/
# when a test sets one up.
RUNTIME_LOADERS = (
    (("pytest_homeassistant_custom_component", "enable_custom_integrations"), "custom_components"),
)


def _loaded_at_run_time(context: FileContext, module: str) -> bool:
    """Whether a module of a package a test plugin loads at run time imports `module` (or a
    package of it): the tests may reach that code without importing it."""
    project = context.project
    texts = [project.source_text(setup.path) for setup in (*context.chain, context.setup)]
    for markers, directory in RUNTIME_LOADERS:
        if not any(marker in text for marker in markers for text in texts):
            continue
        for path in project.python_files(os.path.join(project.root, directory)):
            if is_test_file(path):
                continue
            facts = project.facts(path)
            for binding in facts.imports if facts is not None else ():
                names = (binding.module, binding.qualified)
                if any(n == module or module.startswith(n + ".") for n in names if n):
                    return True
    return False


# `unittest.mock._builtins`: patching one of these names on a module sets create=True by itself.
_MOCK_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_MOCK_PATCHERS = ("patch", "mocker.patch", "patch.object", "patch.multiple")


def creates_builtin(patch: PatchCall, name: str) -> bool:
    """Whether unittest.mock creates the attribute itself: a builtin's name patched on a module
    (`patch("pkg.mod.open")`); monkeypatch.setattr has no such rule."""
    return name in _MOCK_BUILTINS and patch.how in _MOCK_PATCHERS


def module_part(parts: list[str]) -> str:
    """`kafka` of kafka.KafkaConsumer, `os.path` of os.path.exists: up to the first class name."""
    for index, part in enumerate(parts[1:], start=1):
        if part[:1].isupper():
            return ".".join(parts[:index])
    return ".".join(parts[:-1]) or parts[0]


def _reloads(context: FileContext) -> bool:
    """Whether the file reloads a module (`importlib.reload` under a patch re-runs its
    import-time code with the mock): timing then cannot be told statically."""
    return "reload(" in context.project.source_text(context.path)


def _is_local(context: FileContext, parts: list[str]) -> bool:
    """Whether some prefix of the target is a module of the project (tests included)."""
    project = context.project
    roots = (*context.roots, os.path.dirname(context.path))
    return any(
        project.find_module(".".join(parts[:cut]), roots) is not None
        for cut in range(len(parts), 0, -1)
    )


def _is_submodule(context: FileContext, module: str, name: str) -> bool:
    return context.project.find_module(f"{module}.{name}", context.roots) is not None


def canonical(context: FileContext, qualified: str) -> str:
    """Follow re-exports through local modules: `pkg.Client` -> `pkg.client.Client`."""
    return context.project.canonical(qualified, context.roots)


def import_only_objects(context: FileContext, subject: Subject, name: str | None,
                        qualified: str) -> str | None:
    """If `qualified` is called by the module only while it is imported (as `name` there, or
    through a module attribute) and no module under test looks it up later, the module globals
    holding what it built (`"consumer, db"`, may be empty); None otherwise.
    """
    facts = subject.facts
    effects = [e for e in facts.effects if e.target == qualified and not e.derived_from]
    if not effects or any(e.kind is EffectKind.THREAD for e in effects):
        return None
    project = context.project
    if name is not None and name in project.runtime_names(subject.path):
        return None
    if used_later(context, qualified) or imported_later(context, qualified):
        return None
    built: list[str] = []
    for effect in effects:
        built.extend(effect.assigned_to)
    grown = True
    while grown:
        grown = False
        for effect in facts.effects:
            if effect.derived_from in built:
                for assigned in effect.assigned_to:
                    if assigned not in built:
                        built.append(assigned)
                        grown = True
    return ", ".join(built)


def used_later(context: FileContext, qualified: str) -> bool:
    """Whether some module under test looks `qualified` up through a module attribute inside
    a function (`requests.get(...)` after `import requests`): such lookups see a late patch."""
    project = context.project
    module, _, attribute = qualified.rpartition(".")
    for path in context.subjects:
        prefixes, _ = project.imported_names(path)
        if module not in prefixes:
            continue  # never imports the module: cannot look the name up through it
        # How this module spells the lookup: `alias.attribute` after `import lib as alias`,
        # `lib.sub.attribute` after `import lib.sub`, `sub.attribute` after `from lib import sub`.
        spellings = []
        facts = project.facts(path)
        for binding in facts.imports if facts else ():
            imported = binding.module
            if binding.name is None and (module == imported or module.startswith(imported + ".")):
                head = binding.bound_as if binding.bound_as != imported.split(".")[0] else imported
                spellings.append(re.escape(head + module[len(imported):]))
            elif binding.name and binding.qualified == module:
                spellings.append(re.escape(binding.bound_as))
        if not spellings:
            continue
        # Only on an indented line can the lookup be inside a function.  (An indented line may
        # also continue a module-level statement: counting it errs towards "used later", which
        # only ever withholds a finding.)
        pattern = (
            rf"(?m)^[ \t]+(?:[^\n]*?[^\w.\n])?(?:{'|'.join(spellings)})\.{re.escape(attribute)}\b"
        )
        if re.search(pattern, project.source_text(path)):
            return True
    return False


def imported_later(context: FileContext, qualified: str) -> bool:
    """Whether some module under test imports `qualified` inside a function (`from celery
    import current_app` in a function body): that import runs after the patch and gets it."""
    module, _, name = qualified.rpartition(".")
    return any(
        binding.name == name and not binding.at_import_time and binding.module == module
        for subject in context.subjects.values()
        for binding in subject.facts.imports
    )


def display(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def verdicts(context: FileContext) -> list[Verdict]:
    """The verdict of every patch in the file, computed once and shared by the rules."""
    cached = context.cache.get("verdicts")
    if cached is None:
        cached = [v for v in (classify(context, p) for p in context.setup.patches) if v]
        context.cache["verdicts"] = cached
    return cached  # type: ignore[return-value]


def subject_verdicts(context: FileContext, code: str) -> Iterator[Verdict]:
    """The verdicts of rule `code` in the file that judge a module under test (the rule's own
    patches; every verdict but a phantom target's names its subject)."""
    return (v for v in verdicts(context) if v.code == code and v.subject is not None)


def position(patch: PatchCall) -> tuple[int, int]:
    """Where to report a patch: its target string when it is a literal, else the call."""
    if patch.literal is not None:
        return patch.literal.line, patch.literal.col
    return patch.where.line, patch.where.col


def reach_of_patch(context: FileContext, patch: PatchCall) -> Reach | None:
    """What the tests a patch is in effect for can reach; None when they cannot be told."""
    graph = context.project.call_graph
    units = graph.test_units(context.path)
    scope = patch.where.scope
    origins: list = [(context.path, None)]
    entry = context.functions.get(scope) if scope else None
    function = entry[1] if entry is not None and entry[0].path == context.path else None
    if function is not None and function.is_test and scope in units:
        origins.append((context.path, units[scope]))
        wanted = context.requested(function)
        for name, (setup, fixture) in sorted(context.functions.items()):
            if fixture.is_fixture and (fixture.autouse or name in wanted):
                found = graph.test_units(setup.path).get(fixture.qualname)
                if found is not None:
                    origins.append((setup.path, found))
    else:
        # A fixture, a class or module-level patch: every test it may serve, and what they use.
        files = [context.path, *(setup.path for setup in context.below)]
        if len(files) > 60:
            return None
        for path in files:
            origins.append((path, None))
            origins.extend((path, unit) for _, unit in sorted(graph.test_units(path).items()))
        for setup, fixture in context.functions.values():
            if fixture.is_fixture and setup.path != context.path:
                found = graph.test_units(setup.path).get(fixture.qualname)
                if found is not None:
                    origins.append((setup.path, found))
    reach = graph.reach_from(origins, context.roots)
    context.reached_files.update(reach.files)
    return reach
