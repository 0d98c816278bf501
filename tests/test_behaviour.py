"""The behaviour step: annotation formats on worked examples, a tiny train/evaluate/classify
run on rendered clips, and bad inputs, each refused with the file and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from threadpoolctl import threadpool_limits

from scratchflow.behaviour.annotations import (
    UNLABELLED,
    read_annotations,
    write_deepethoprofile,
    write_intervals,
)
from scratchflow.behaviour.settings import DEFAULT_CLASSES, BehaviourSettings
from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.ffmpeg import write_video
from scratchflow_devtools.synthetic_behaviour import CLASSES, BehaviourRender, render_behaviour

DEP_EXAMPLE = """0:drink; 1:eat; 2:groom; 3:hang; 4:mm; 5:rear; 6:rest; 7:walk
frame;annotation;time
0;7;0.000
1;7;0.040
2;6;0.080
3;6;0.120
4;0;0.160
"""
INTERVAL_EXAMPLE = """start_s,end_s,behaviour
0.000,0.080,walk
0.080,0.160,rest
0.160,0.200,drink
"""
EXAMPLE_LABELS = [7, 7, 6, 6, 0]  # 5 frames at 25 fps


def cli(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_deepethoprofile_format_reads_and_writes_the_worked_example(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(DEP_EXAMPLE)
    assert read_annotations(path, DEFAULT_CLASSES, 5, 25).tolist() == EXAMPLE_LABELS
    written = write_deepethoprofile(tmp_path / "b.csv", np.array(EXAMPLE_LABELS),
                                    DEFAULT_CLASSES, 25)
    assert written.read_text() == DEP_EXAMPLE


def test_deepethoprofile_legend_in_another_order_maps_by_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("0:walk; 1:rest\nframe;annotation;time\n0;1;0.0\n1;0;0.04\n")
    assert read_annotations(path, DEFAULT_CLASSES, 2, 25).tolist() == [6, 7]


def test_interval_format_reads_and_writes_the_worked_example(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(INTERVAL_EXAMPLE)
    assert read_annotations(path, DEFAULT_CLASSES, 5, 25).tolist() == EXAMPLE_LABELS
    written = write_intervals(tmp_path / "b.csv", np.array(EXAMPLE_LABELS), DEFAULT_CLASSES, 25)
    assert written.read_text().replace("\r\n", "\n") == INTERVAL_EXAMPLE


def test_interval_gaps_are_unlabelled_and_times_at_30_fps_find_their_frames(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("start_s,end_s,behaviour\n0.033,0.067,groom\n0.100,0.133,rear\n")
    assert read_annotations(path, DEFAULT_CLASSES, 5, 30).tolist() == [
        UNLABELLED, 2, UNLABELLED, 5, UNLABELLED]


def test_annotations_longer_than_the_video_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(DEP_EXAMPLE)
    with pytest.raises(InputError, match=r"a.csv: annotations have 5 frames but the video has "
                                         r"4[\s\S]*fix: annotate every frame"):
        read_annotations(path, DEFAULT_CLASSES, 4, 25)
    intervals = tmp_path / "b.csv"
    intervals.write_text(INTERVAL_EXAMPLE)
    with pytest.raises(InputError, match=r"b.csv: annotations run to 0.2 s \(5 frames\) but the "
                                         r"video has 3 frames"):
        read_annotations(intervals, DEFAULT_CLASSES, 3, 25)


def test_unknown_class_names_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("start_s,end_s,behaviour\n0,0.1,walk\n0.1,0.2,sniff\n")
    with pytest.raises(InputError, match=r"a.csv: unknown class name\(s\) \['sniff'\][\s\S]*"
                                         r"fix: rename them[\s\S]*--classes"):
        read_annotations(path, DEFAULT_CLASSES, 5, 25)


def test_settings_say_what_was_expected_and_what_was_given(tmp_path):
    with pytest.raises(ValueError, match=r"window_frames: expected an odd whole number from 3 "
                                         r"to 101, got 10"):
        BehaviourSettings(window_frames=10)
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"image_px": 50, "epochs": 3}))
    with pytest.raises(InputError, match=r"settings.json: unknown setting\(s\) \['epochs'\]"):
        BehaviourSettings.from_json(path)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list:
    """Three rendered clips, each with every class once (about 15 s at 15 fps)."""
    folder = tmp_path_factory.mktemp("clips")
    render = BehaviourRender(size_px=64, fps=15, bouts_per_class=1)
    return [render_behaviour(folder, f"clip{seed}", seed, render) for seed in range(3)]


def _training_args(clips, settings: dict, tmp_path: Path) -> list:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"classes": list(CLASSES), **settings}))
    args = [c.video for c in clips] + ["--settings", path]
    for clip in clips:
        args += ["--annotations", clip.annotations]
    return args


FAST_POSE = {"model": "pose", "boosting_iterations": 20, "feature_windows_s": [0.3, 1.0]}


def test_train_evaluate_classify_end_to_end(clips, tmp_path):
    with threadpool_limits(1):  # this machine's cores are shared
        trained = cli("behaviour", "train", *_training_args(clips[:2], FAST_POSE, tmp_path),
                      "--out", tmp_path / "model")
        assert trained.exit_code == 0, trained.output
        evaluated = cli("behaviour", "evaluate", *_training_args(clips, FAST_POSE, tmp_path),
                        "--out", tmp_path / "eval")
        assert evaluated.exit_code == 0, evaluated.output
        broken = tmp_path / "broken.mp4"
        broken.write_bytes(b"not a video")
        classified = cli("behaviour", "classify", broken, clips[2].video, "--pose", clips[0].pose,
                         "--pose", clips[2].pose, "--model", tmp_path / "model",
                         "--out", tmp_path / "out")
    scores = json.loads((tmp_path / "eval" / "behaviour_scores.json").read_text())
    assert scores["frame_accuracy"] > 0.6 and set(scores["per_video"]) == {"clip0", "clip1",
                                                                           "clip2"}
    assert (tmp_path / "eval" / "behaviour_confusion.png").stat().st_size > 1000
    # the broken video fails alone; the good one is written
    assert classified.exit_code == 1 and "broken.mp4: not a readable video" in classified.output
    lines = (tmp_path / "out" / "clip2_behaviour.csv").read_text().splitlines()
    assert lines[0] == "; ".join(f"{i}:{name}" for i, name in enumerate(CLASSES))
    assert lines[1] == "frame;annotation;time" and len(lines) == 2 + len(clips[2].labels)
    assert (tmp_path / "out" / "clip2_behaviour_ethogram.png").stat().st_size > 1000
    budget = (tmp_path / "out" / "clip2_behaviour_budget.csv").read_text()
    assert budget.startswith("behaviour,frames,seconds,fraction,n_bouts,mean_bout_s")
    again = cli("behaviour", "classify", clips[2].video, "--pose", clips[2].pose,
                "--model", tmp_path / "model", "--out", tmp_path / "out")
    assert again.exit_code == 0 and "up to date, skipped" in again.output


def test_pixel_model_trains_saves_and_classifies(clips, tmp_path):
    tiny = {"model": "pixel", "image_px": 32, "train_steps": 3, "batch_per_class": 1}
    with threadpool_limits(1):
        trained = cli("behaviour", "train", *_training_args(clips[:1], tiny, tmp_path),
                      "--out", tmp_path / "model")
        assert trained.exit_code == 0, trained.output
        classified = cli("behaviour", "classify", clips[1].video, "--model", tmp_path / "model",
                         "--out", tmp_path / "out")
    assert classified.exit_code == 0, classified.output
    probabilities = (tmp_path / "out" / "clip1_behaviour_probabilities.csv").read_text()
    assert probabilities.splitlines()[0] == "frame,time_s," + ",".join(CLASSES)
    bouts = tmp_path / "clip1_bouts.csv"
    bouts.write_text("start_frame,end_frame\n20,29\n")
    with threadpool_limits(1):
        overlaid = cli("behaviour", "classify", clips[1].video, "--model", tmp_path / "model",
                       "--scratch-bouts", bouts, "--out", tmp_path / "with_scratch")
    assert overlaid.exit_code == 0, overlaid.output
    rows = (tmp_path / "with_scratch" / "clip1_behaviour.csv").read_text().splitlines()[2:]
    scratch = str(CLASSES.index("scratch"))
    assert [row.split(";")[1] for row in rows[20:30]] == [scratch] * 10


def test_a_model_of_another_class_list_is_refused(clips, tmp_path):
    trained = cli("behaviour", "train", *_training_args(clips[:1], FAST_POSE, tmp_path),
                  "--out", tmp_path / "model")
    assert trained.exit_code == 0, trained.output
    refused = cli("behaviour", "classify", clips[1].video, "--model", tmp_path / "model",
                  "--classes", ",".join(DEFAULT_CLASSES), "--out", tmp_path / "out")
    assert refused.exit_code == 2
    assert "model: model was trained on the classes" in refused.output
    assert "fix: pass a model trained on these classes" in refused.output


def test_a_video_shorter_than_one_stack_is_refused(tmp_path):
    short = write_video(tmp_path / "short.mp4",
                        (np.zeros((32, 32, 3), np.uint8) for _ in range(8)), 25)
    annotations = write_deepethoprofile(tmp_path / "short.csv", np.zeros(8, int),
                                        DEFAULT_CLASSES, 25)
    refused = cli("behaviour", "train", short, "--annotations", annotations, "--model", "pixel",
                  "--out", tmp_path / "model")
    assert refused.exit_code == 2
    assert "short.mp4: video has 8 frames; the behaviour models need at least 11" in refused.output
    assert "fix: pass a longer video" in refused.output


def test_every_setting_is_documented_with_its_default():
    from dataclasses import fields

    doc = (Path(__file__).resolve().parents[1] / "docs" / "behaviour.md").read_text()
    rows = {cells[1].strip("` "): cells[2].replace("`", "").strip()
            for line in doc.splitlines() if (cells := line.split("|")) and len(cells) > 3}
    defaults = BehaviourSettings().to_dict()
    for field in fields(BehaviourSettings):
        default = defaults[field.name]
        shown = ", ".join(map(str, default)) if isinstance(default, list) else str(default)
        assert rows.get(field.name) == shown, f"{field.name}: docs/behaviour.md says " \
            f"{rows.get(field.name)!r}, the code {shown!r}"


def test_nextflow_module_script_classifies_a_mouse_video(clips, tmp_path):
    """modules/local/behaviour's script, rendered as Nextflow would, writes what it declares."""
    from tests.test_nf_modules import assert_outputs, process_block, render, run_task

    model = tmp_path / "model"
    trained = cli("behaviour", "train", *_training_args(clips[:1], FAST_POSE, tmp_path),
                  "--out", model)
    assert trained.exit_code == 0, trained.output
    task = tmp_path / "task"
    task.mkdir()
    (task / "staged.mp4").symlink_to(clips[1].video)
    (task / "staged.h5").symlink_to(clips[1].pose)
    (task / "behaviour_model").symlink_to(model)
    values = {"meta.id": "m1", "video": "staged.mp4", "pose": "staged.h5",
              "behaviour_model": "behaviour_model", "task.process": "BEHAVIOUR",
              "task.ext.args ?: ''": "", "task.ext.device ?: 'cpu'": "cpu",
              'task.ext.prefix ?: "${meta.id}"': "m1", "prefix": "m1", "video.extension": "mp4",
              "scratch_bouts ? \"--scratch-bouts ${scratch_bouts}\" : ''": ""}
    proc = run_task(render(process_block("behaviour", "script"), values), task)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_outputs("behaviour", values, task)
    assert '"BEHAVIOUR":' in (task / "versions.yml").read_text()


def test_the_runner_classifies_each_mouse_with_the_builders_command(tmp_path):
    from scratchflow.run import commands
    from scratchflow.run.runner import RunLayout, RunOptions, behaviour_task

    model = tmp_path / "model"
    model.mkdir()
    (model / "settings.json").write_text("{}")
    layout = RunLayout(tmp_path / "run")
    task = behaviour_task(tmp_path / "m1.mp4", tmp_path / "m1.h5", layout,
                          RunOptions(model=tmp_path / "dlc", behaviour_model=model))
    assert task.command[-len(commands.behaviour("v", "p", "m", "o")):] == commands.behaviour(
        tmp_path / "m1.mp4", tmp_path / "m1.h5", model, layout.step_dir("behaviour"))
    # a new model reruns the task: its files are inputs
    assert model / "settings.json" in task.inputs
    # once quantify has written the mouse's bouts, they give the scratch class
    bouts = layout.step_dir("quantify") / "m1_scratch_bouts.csv"
    bouts.parent.mkdir(parents=True)
    bouts.write_text("start_frame,end_frame\n")
    task = behaviour_task(tmp_path / "m1.mp4", tmp_path / "m1.h5", layout,
                          RunOptions(model=tmp_path / "dlc", behaviour_model=model))
    assert task.command[-2:] == ["--scratch-bouts", str(bouts)] and bouts in task.inputs


def test_scratch_detector_bouts_become_the_scratch_class(tmp_path):
    from scratchflow.behaviour.scratch_bouts import with_scratch_bouts
    from scratchflow.quantify import files as quantify_files

    assert {"start_frame", "end_frame"} <= set(quantify_files.COLUMNS["bouts"])
    bouts = tmp_path / "m1_bouts.csv"
    bouts.write_text("individual,bout_id,start_frame,end_frame\nm1,1,1,2\n")
    probabilities = np.full((4, 8), 1 / 8)
    scored, classes = with_scratch_bouts(probabilities, DEFAULT_CLASSES, bouts)
    assert classes == (*DEFAULT_CLASSES, "scratch")
    assert scored.argmax(axis=1).tolist()[1:3] == [8, 8]
    assert scored[0].tolist() == [1 / 8] * 8 + [0.0] and scored[1].sum() == 1
    with pytest.raises(InputError, match=r"m1_bouts.csv: bouts run to frame 2 but the video has "
                                         r"2 frames[\s\S]*fix: pass the bouts of this video"):
        with_scratch_bouts(np.full((2, 8), 1 / 8), DEFAULT_CLASSES, bouts)
