"""``scratchflow summarise``: experiment summary, group statistics, provenance and report.

Inputs are found by name in the given folders, searched recursively (collect.py), so the
command takes the pipeline's staged ``results/`` folder or a whole run folder alike.
Every output is written atomically; inputs are only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scratchflow import outputs
from scratchflow.precision import rounded
from scratchflow.summarise.behaviour import add_behaviour, read_behaviour_failures
from scratchflow.summarise.build import (
    behaviour_section,
    ethogram_list,
    linked_files,
    preview_list,
    report_data,
)
from scratchflow.summarise.bundle import bundle_files
from scratchflow.summarise.collect import collect_run, only_samples
from scratchflow.summarise.compare import group_comparisons
from scratchflow.summarise.experiment import load_experiment, read_failures, read_groups
from scratchflow.summarise.files import OUTPUT_NAMES
from scratchflow.summarise.page import render_page
from scratchflow.summarise.stats import group_statistics
from scratchflow.summarise.tables import read_sample_list

REPORT_PACKAGES = ("matplotlib",)


@dataclass(frozen=True)
class SummariseRequest:
    folders: tuple[Path, ...]
    out_dir: Path
    failures: Path | None = None  # sample,step,reason (the one-machine runner writes it)
    groups: Path | None = None  # sample,group or mouse,group: overrides the metadata
    link_dir: Path | None = None  # where the report's CSV links point (relative to it)
    control: str | None = None  # the group every other group is compared with
    samples: Path | None = None  # a CSV with a sample column: only these mice are summarised

    def parameters(self) -> dict:
        return {"folders": [str(f) for f in self.folders], "out_dir": str(self.out_dir),
                "failures": self.failures and str(self.failures),
                "samples": self.samples and str(self.samples),
                "groups": self.groups and str(self.groups),
                "link_dir": self.link_dir and str(self.link_dir), "control": self.control}


@dataclass(frozen=True)
class SummariseResult:
    paths: dict[str, Path]
    n_ok: int
    n_failed: int
    warnings: list[str]


def summarise(request: SummariseRequest) -> SummariseResult:
    run = collect_run(list(request.folders))
    left_out: list[str] = []
    if request.samples:
        names = read_sample_list(request.samples, ("sample",), "sample")["sample"]
        run, left_out = only_samples(run, set(names))
    failures = read_failures(request.failures) if request.failures else None
    groups = read_groups(request.groups) if request.groups else None
    experiment = load_experiment(run, failures, groups)
    if left_out:
        experiment.warnings.append(f"{len(left_out)} mouse(s) in the folders are not in "
                                   f"{request.samples} and were left out: {', '.join(left_out)}")
    experiment.inputs += [p for p in (request.failures, request.samples) if p]
    behaviour = add_behaviour(experiment, read_behaviour_failures(request.failures)
                              if request.failures else {})
    extra = behaviour.measures if behaviour else ()
    stats = group_statistics(experiment.summary, experiment.timebins, extra)
    comparisons = group_comparisons(experiment.summary, experiment.timebins, request.control,
                                    extra)
    previews = preview_list(experiment)  # before the provenance: previews are inputs too
    ethograms = ethogram_list(experiment, behaviour) if behaviour else []
    record = outputs.provenance("summarise", experiment.inputs, request.parameters(),
                                bin_s=experiment.bin_s, warnings=experiment.warnings)
    record["software"].update(outputs.software_versions(REPORT_PACKAGES))

    paths = {key: request.out_dir / name for key, name in OUTPUT_NAMES.items()}
    # Each number to the precision its measurement has (precision.py), not float noise.
    outputs.write_csv(rounded(experiment.summary), paths["summary"])
    outputs.write_csv(rounded(experiment.timebins), paths["timebins"])
    outputs.write_csv(rounded(stats), paths["statistics"])
    outputs.write_csv(rounded(comparisons), paths["comparisons"])
    # Without a publishing folder to link, the linked files travel beside the report.
    copies = {} if request.link_dir else bundle_files(linked_files(experiment), request.out_dir)
    data = report_data(experiment, stats, comparisons, request.control, record, previews,
                       request.out_dir, request.link_dir, copies)
    if behaviour:
        data.behaviour = behaviour_section(behaviour, ethograms, experiment.summary, stats,
                                           comparisons)
    with outputs.atomic_path(paths["report"]) as tmp:
        tmp.write_text(render_page(data), encoding="utf-8")
    outputs.write_json(record, paths["provenance"])  # last: it vouches for the others
    n_ok = int((experiment.summary["status"] == "ok").sum())
    return SummariseResult(paths, n_ok, len(experiment.summary) - n_ok, experiment.warnings)
