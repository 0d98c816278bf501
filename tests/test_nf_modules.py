"""Each Nextflow module's command line, rendered as the process would render it, runs.

No Nextflow runtime is available here, so a small explicit renderer does what Nextflow
does with a process's ``script:`` (or ``stub:``) block for one sample: evaluate the
``def`` lines, substitute ``${...}`` / ``$name`` in the triple-quoted GString, turn ``\\$``
into ``$`` and strip the common indentation. Every Groovy expression the renderer meets
must be listed in the test's table of values; an unknown one fails the test, so a changed
module forces a look at its test. The rendered script runs with ``bash`` in a scratch
task folder, with the repo's ``bin/`` (the wrappers) first on PATH, and the files the
module declares as outputs must appear.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from scratchflow.outputs import sha256_file
from tests.conftest import REPO

MODULES = REPO / "modules" / "local"
POSE_H5 = ("bsoid_bottomup/yttri-bottomup_dlc-model/examples/"
           "raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5")
DEMO = REPO / "examples" / "demo_experiment"
DEMO_CROP_ARGS = "--box-size 192 --offset-x 20"  # as conf/test.config gives CROP_VIDEOS

# ------------------------------------------------------------------------ the renderer


def process_block(module: str, section: str) -> str:
    """Text of a process section (``script``/``stub``/``output``) of modules/local/NAME."""
    text = (MODULES / module / "main.nf").read_text()
    labels = r"(input|output|when|script|shell|exec|stub)"
    match = re.search(rf"^\s*{section}:\s*\n(.*?)(?=^\s*{labels}:\s*$|^}}\s*$)", text,
                      re.S | re.M)
    assert match, f"{module}: no {section}: block"
    return match.group(1)


def _lookup(expr: str, values: dict[str, str]) -> str:
    expr = expr.strip()
    if expr not in values:
        raise KeyError(f"the renderer has no value for Groovy expression {expr!r}; "
                       "add it to the test's table")
    return str(values[expr])


def render(block: str, values: dict[str, str]) -> str:
    """Render a script block: ``def`` lines, then the triple-quoted command string."""
    values = dict(values)
    head, sep, rest = block.partition('"""')
    assert sep, "script block has no triple-quoted command"
    body, sep, _ = rest.partition('"""')
    assert sep, "unterminated triple-quoted command"
    for line in head.splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        # `prefix = ...` without def: nf-core's way of letting the outputs see it
        m = re.fullmatch(r"(?:def\s+)?(\w+)\s*=\s*(.+)", line)
        assert m, f"the renderer only knows `[def] name = expr` lines, not {line!r}"
        values[m.group(1)] = _lookup(m.group(2), values)

    def substitute(m: re.Match) -> str:
        if m.group(1) is not None:  # \$ -> a literal $ for bash
            return "$"
        return _lookup(m.group(2) if m.group(2) is not None else m.group(3), values)

    pattern = r"(\\\$)|\$\{([^}]*)\}|\$([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
    rendered = re.sub(pattern, substitute, body)
    return textwrap.dedent(rendered).strip("\n") + "\n"


def declared_outputs(module: str, values: dict[str, str]) -> list[tuple[str, bool]]:
    """(rendered glob, optional?) of each ``path(...)`` / ``path "..."`` output."""
    outputs = []
    for line in process_block(module, "output").splitlines():
        optional = "optional: true" in line
        for m in re.finditer(r'path\(?\s*"([^"]+)"', line):
            glob = re.sub(r"\$\{([^}]*)\}", lambda g: _lookup(g.group(1), values), m.group(1))
            outputs.append((glob, optional))
    return outputs


def run_task(script: str, workdir: Path) -> subprocess.CompletedProcess:
    (workdir / ".command.sh").write_text(script)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(REPO / "bin"), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    return subprocess.run(["bash", "-euo", "pipefail", ".command.sh"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)


def assert_outputs(module: str, values: dict[str, str], workdir: Path) -> None:
    for glob, optional in declared_outputs(module, values):
        found = sorted(workdir.glob(glob))
        assert found or optional, f"{module}: declared output {glob!r} not produced in " \
                                  f"{workdir}: {sorted(p.name for p in workdir.iterdir())}"


def cli_available(cmd: str) -> bool:
    exe = shutil.which("scratchflow", path=str(Path(sys.executable).parent)) or "scratchflow"
    proc = subprocess.run([exe, cmd, "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def require_cli(cmd: str) -> None:
    if not cli_available(cmd):
        pytest.skip(f"scratchflow {cmd} not available yet")


# ------------------------------------------------------------------------ the renderer's own test


def test_renderer_handles_defs_escapes_and_unknowns():
    block = '''
    def args = task.ext.args ?: ''
    """
    tool ${x} $args --id ${meta.id}
    echo \\$(date) $meta.id
    """
    '''
    values = {"task.ext.args ?: ''": "--fast", "x": "in.txt", "meta.id": "m1"}
    assert render(block, values) == "tool in.txt --fast --id m1\necho $(date) m1\n"
    with pytest.raises(KeyError, match="no value for Groovy expression"):
        render(block, {"x": "in.txt"})


# ------------------------------------------------------------------------ quantify (real run)


def _quantify_values(stem: str, args: str, params_arg: str = "") -> dict[str, str]:
    return {
        "meta.id": stem,
        "pose": f"{stem}.h5",
        "pose_json": f"{stem}.pose.json",
        "task.process": "QUANTIFY",
        "task.ext.args ?: ''": args,
        'task.ext.prefix ?: "${meta.id}"': stem,
        "prefix": stem,
        "detector_params ? \"--params ${detector_params}\" : ''": params_arg,
    }


def _stage_pose(shared_data: Path, workdir: Path) -> str:
    """Stage the real pose file into the task folder as Nextflow would (a symlink)."""
    source = shared_data / POSE_H5
    if not source.is_file():
        pytest.skip(f"{source} not found")
    (workdir / source.name).symlink_to(source)
    return source.stem


def test_quantify_script_runs_on_real_pose(shared_data, tmp_path):
    stem = _stage_pose(shared_data, tmp_path)
    values = _quantify_values(stem, "--fps 60")
    script = render(process_block("quantify", "script"), values)
    assert f"scratchflow-quantify {stem}.h5 --out ." in script
    proc = run_task(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    assert_outputs("quantify", values, tmp_path)
    tables = sorted(p.name for p in tmp_path.glob(f"{stem}_scratch_*.csv"))
    assert tables == [f"{stem}_scratch_{k}.csv"
                      for k in ("bouts", "strokes", "summary", "timebins")]
    provenance = json.loads((tmp_path / f"{stem}_scratch_provenance.json").read_text())
    assert provenance["step"] == "quantify" and provenance["fps"] == 60
    assert provenance["inputs"][0]["sha256"] == sha256_file(shared_data / POSE_H5)
    # The module's tables are those `scratchflow quantify` writes for the same file and fps.
    direct = tmp_path / "direct"
    subprocess.run([str(Path(sys.executable).parent / "scratchflow"), "quantify",
                    str(shared_data / POSE_H5), "--fps", "60", "--out", str(direct)],
                   capture_output=True, check=True)
    for table in tables:
        assert (tmp_path / table).read_bytes() == (direct / table).read_bytes(), table
    versions = (tmp_path / "versions.yml").read_text()
    assert '"QUANTIFY":' in versions
    assert re.search(r"scratchflow: \d+\.\d+", versions), versions


def test_identity_script_runs_on_a_rendered_arena(tmp_path):
    from scratchflow.formats import dlc
    from scratchflow_devtools.synthetic_colony import ColonySettings, render_colony

    arena = tmp_path / "inputs"
    colony = render_colony(arena, "arena", ColonySettings(colours=("red", "green"), seconds=2,
                                                          width=320, height=240,
                                                          body_length_px=40), seed=4)
    tracks = dlc.write(dlc.pose_table(colony.truth), arena / "arenaDLC_multi.h5")
    task = tmp_path / "task"
    task.mkdir()
    for staged in (colony.video, tracks):  # staged as Nextflow stages inputs: symlinks
        (task / staged.name).symlink_to(staged)
    values = {"meta.id": "arena1", "meta.colours": "red,green", "video": colony.video.name,
              "pose": tracks.name, "task.process": "IDENTITY", "task.ext.args ?: ''": "",
              'task.ext.prefix ?: "${meta.id}"': "arena1", "prefix": "arena1",
              "identity_params ? \"--params ${identity_params}\" : ''": ""}
    proc = run_task(render(process_block("identity", "script"), values), task)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("identity", values, task)
    provenance = json.loads((task / "arena1_identity_provenance.json").read_text())
    assert provenance["step"] == "identity" and list(provenance["colours"]) == ["red", "green"]


def test_quantify_script_passes_detector_params(shared_data, tmp_path):
    stem = _stage_pose(shared_data, tmp_path)
    default_yaml = subprocess.run(
        [str(Path(sys.executable).parent / "scratchflow"), "params"],
        capture_output=True, text=True, check=True).stdout
    # a value that differs from the default, so that the test sees it arrive
    (tmp_path / "detector.yaml").write_text(default_yaml.replace("bin_s: 300.0", "bin_s: 7.0"))
    values = _quantify_values(stem, "--fps 60", params_arg="--params detector.yaml")
    script = render(process_block("quantify", "script"), values)
    assert "--params detector.yaml" in script
    proc = run_task(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("quantify", values, tmp_path)
    provenance = json.loads((tmp_path / f"{stem}_scratch_provenance.json").read_text())
    assert provenance["parameters"]["bin_s"] == 7.0
    bins = (tmp_path / f"{stem}_scratch_timebins.csv").read_text().splitlines()
    assert bins[1].split(",")[1:3] == ["0.0", "7.0"]  # the first bin is 7 s wide


# ------------------------------------------------------------------------ summarise (chained)


def test_summarise_script_runs_on_quantify_results(shared_data, tmp_path):
    require_cli("summarise")
    quant = tmp_path / "quantify"
    quant.mkdir()
    stem = _stage_pose(shared_data, quant)
    values = _quantify_values(stem, "--fps 60")
    proc = run_task(render(process_block("quantify", "script"), values), quant)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    task = tmp_path / "summarise"
    (task / "results").mkdir(parents=True)
    for f in quant.glob(f"{stem}_scratch_*"):
        (task / "results" / f.name).symlink_to(f)
    (task / "results" / "expected_samples.csv").write_text(f"sample,video\n{stem},raw\n")
    (task / "failures.csv").write_text("sample,step,reason\nraw2,crop,no cropped videos\n")
    values = {"meta.id": "exp1", "task.process": "SUMMARISE", "task.ext.args ?: ''": "",
              "failures": "failures.csv",
              "params.control ? \"--control ${params.control}\" : ''": ""}
    proc = run_task(render(process_block("summarise", "script"), values), task)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("summarise", values, task)
    summary = next(task.rglob("*experiment_summary.csv")).read_text().splitlines()
    # The mouse, and the raw video whose crop failed, which keeps a row of its own.
    rows = {row.split(",")[0]: row for row in summary[1:]}
    assert set(rows) == {stem, "raw2"}
    assert ",ok," in rows[stem] and ",failed," in rows["raw2"]


# ------------------------------------------------------------------------ crop and pose


def test_crop_script_runs_on_demo_video(tmp_path):
    require_cli("crop")
    videos = sorted(DEMO.glob("*.mp4")) if DEMO.is_dir() else []
    pairs = [v for v in videos if v.with_suffix(".txt").is_file()]
    if not pairs:
        pytest.skip(f"no <video>.mp4 + <video>.txt pair in {DEMO}")
    video = pairs[0]
    (tmp_path / video.name).symlink_to(video)
    (tmp_path / f"{video.stem}.txt").symlink_to(video.with_suffix(".txt"))
    assert f"ext.args = '{DEMO_CROP_ARGS}'" in (REPO / "conf" / "test.config").read_text()
    values = {"meta.id": video.stem, "video": video.name, "metadata": f"{video.stem}.txt",
              "task.process": "CROP_VIDEOS", "task.ext.args ?: ''": DEMO_CROP_ARGS,
              'task.ext.prefix ?: "${meta.id}"': video.stem, "prefix": video.stem}
    proc = run_task(render(process_block("crop_videos", "script"), values), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("crop_videos", values, tmp_path)


def test_pose_script_runs_on_demo_model(demo_model, tmp_path):
    require_cli("pose")
    videos = sorted(DEMO.glob("*.mp4"))
    if not videos:
        pytest.skip(f"no video in {DEMO}")
    crops = tmp_path / "crops"
    subprocess.run([str(Path(sys.executable).parent / "scratchflow"), "crop", str(videos[0]),
                    "--out", str(crops), *DEMO_CROP_ARGS.split()], check=True,
                   capture_output=True)
    video = sorted(crops.glob("*.mp4"))[0]
    task = tmp_path / "task"
    task.mkdir()
    (task / video.name).symlink_to(video)
    (task / "dlc_model").symlink_to(demo_model)
    values = {
        "meta.id": video.stem, "video": video.name, "model": "dlc_model",
        "task.process": "POSE_DLC", "task.ext.args ?: ''": "--batch-size 8",
        "task.ext.device ?: 'cpu'": "cpu", 'task.ext.prefix ?: "${meta.id}"': video.stem,
        "prefix": video.stem, "video.extension": "mp4",
    }
    proc = run_task(render(process_block("pose_dlc", "script"), values), task)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("pose_dlc", values, task)


# ------------------------------------------------------------------------ every module's stub


PREFIX = 'task.ext.prefix ?: "${meta.id}"'
STUB_VALUES = {
    "behaviour": {"meta.id": "m1", "task.process": "BEHAVIOUR", PREFIX: "m1", "prefix": "m1"},
    "crop_videos": {"meta.id": "raw1", "task.process": "CROP_VIDEOS", PREFIX: "raw1",
                    "prefix": "raw1"},
    "pose_dlc": {"meta.id": "m1", "task.process": "POSE_DLC", PREFIX: "m1", "prefix": "m1"},
    "quantify": {"meta.id": "m1", "task.process": "QUANTIFY", PREFIX: "m1", "prefix": "m1"},
    "identity": {"meta.id": "arena1", "task.process": "IDENTITY", PREFIX: "arena1",
                 "prefix": "arena1"},
    "summarise": {"meta.id": "exp1", "task.process": "SUMMARISE"},
    "clips": {"meta.id": "m1", "task.process": "CLIPS"},
}


@pytest.mark.parametrize("module", sorted(STUB_VALUES))
def test_stub_produces_every_declared_output(module, tmp_path):
    """What `nextflow run -stub` (and the nf-test stub tests) rely on."""
    values = STUB_VALUES[module]
    proc = run_task(render(process_block(module, "stub"), values), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for glob, _optional in declared_outputs(module, values):  # stubs make optional ones too
        assert sorted(tmp_path.glob(glob)), f"{module} stub: no {glob!r}"


# ------------------------------------------------------------------------ static checks


@pytest.mark.parametrize("module", sorted(STUB_VALUES))
def test_module_conventions(module):
    text = (MODULES / module / "main.nf").read_text()
    assert 'tag "$meta.id"' in text
    assert re.search(r"label '(process_low|process_medium|process_gpu)'", text)
    assert "tuple val(meta)" in text
    assert 'path "versions.yml"' in text and "emit: versions" in text
    assert re.search(r"when:\s*\n\s*task\.ext\.when == null \|\| task\.ext\.when\n", text)
    # The names of summarise's outputs are fixed; clips are named after the bouts table.
    if module not in ("summarise", "clips"):
        assert 'prefix = task.ext.prefix ?: "${meta.id}"' in text
    meta = yaml.safe_load((MODULES / module / "meta.yml").read_text())
    assert meta["name"] == module
    emits = re.findall(r"emit: (\w+)", process_block(module, "output"))
    assert [next(iter(output)) for output in meta["output"]] == emits
    wrapper = re.search(r"(scratchflow-[a-z]+) ", process_block(module, "script"))
    assert wrapper, f"{module}: script does not call a bin/ wrapper"
    assert (REPO / "bin" / wrapper.group(1)).is_file()


@pytest.mark.parametrize("wrapper", sorted((REPO / "bin").glob("scratchflow-*")),
                         ids=lambda p: p.name)
def test_bin_wrappers_only_call_the_cli(wrapper):
    assert os.access(wrapper, os.X_OK), f"{wrapper} is not executable"
    code = [line for line in wrapper.read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    cmd = wrapper.name.removeprefix("scratchflow-")
    assert code == [f'exec scratchflow {cmd} "$@"'], code


def test_schema_declares_every_param():
    """nextflow.config's params and nextflow_schema.json agree (validateParameters)."""
    config = (REPO / "nextflow.config").read_text()
    block = re.search(r"^params \{\n(.*?)^\}", config, re.S | re.M).group(1)
    config_params = set(re.findall(r"^\s+(\w+)\s*=", block, re.M))
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    schema_params = {name for group in schema["$defs"].values()
                     for name in group["properties"]}
    assert config_params == schema_params
    sheet = json.loads((REPO / "assets" / "schema_input.json").read_text())
    assert sheet["items"]["required"] == ["sample", "video", "metadata"]
    for name, prop in sheet["items"]["properties"].items():
        assert prop.get("errorMessage"), f"samplesheet column {name} has no errorMessage"


def test_containers_are_set_in_one_place():
    """Per label in nextflow.config; no profile config sets them again."""
    assert "container = params.cpu_container" in (REPO / "nextflow.config").read_text()
    for config in sorted((REPO / "conf").glob("*.config")):
        assert not re.search(r"^\s*container\s*=", config.read_text(), re.M), config.name
