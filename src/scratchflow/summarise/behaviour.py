"""The behaviour step's results in the summary, where behaviour outputs lie beside the mice's.

Each mouse's time budget (``behaviour.files.read_budget``) becomes two columns per class in the
experiment summary, ``time_<class>_s`` and ``fraction_<class>``, after a ``behaviour_status``
column: ``ok``, or ``missing: <why>`` with the class columns empty (never zero). These are
extra measures for the group statistics and comparisons, and the report draws them with each
mouse's ethogram. Without any behaviour output or failure nothing is added, so a summary
without behaviour is exactly as before.

Behaviour is classified per video; a video holding several individuals has one budget for all
of them, so its rows say the budget is missing rather than give it to each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.behaviour import files as behaviour_files
from scratchflow.summarise.experiment import Experiment
from scratchflow.summarise.tables import read_sample_list

STATUS = "behaviour_status"
NO_OUTPUT = "no behaviour output found"
TIME, FRACTION = "time_{}_s", "fraction_{}"


@dataclass
class Behaviour:
    classes: list[str]  # every class of any mouse's budget, in the model's order
    ethograms: dict[str, Path] = field(default_factory=dict)  # sample -> the step's PNG

    @property
    def measures(self) -> tuple[str, ...]:
        return (*[TIME.format(c) for c in self.classes],
                *[FRACTION.format(c) for c in self.classes])


def measure_text(measure: str) -> str | None:
    """``groom time (s)`` for ``time_groom_s``, ``groom (fraction of time)`` for
    ``fraction_groom``; None for any other measure."""
    if measure.startswith("time_") and measure.endswith("_s"):
        return f"{measure[len('time_'):-len('_s')]} time (s)"
    if measure.startswith("fraction_"):
        return f"{measure[len('fraction_'):]} (fraction of time)"
    return None


def read_behaviour_failures(path: Path) -> dict[str, str]:
    """``sample -> reason`` of the failed behaviour tasks in a failures file."""
    table = read_sample_list(path, ("sample", "step", "reason"), "failed step")
    chosen = table[(table["step"] == behaviour_files.STEP).fillna(False).to_numpy(dtype=bool)]
    return {sample: reason if pd.notna(reason) else "no reason given"
            for sample, reason in zip(chosen["sample"], chosen["reason"], strict=True)}


def add_behaviour(experiment: Experiment, failures: dict[str, str]) -> Behaviour | None:
    """Each mouse's time budget into ``experiment.summary``; None (and nothing added) when no
    mouse has behaviour output or a behaviour failure."""
    found = {sample: files.behaviour["budget"] for sample, files in experiment.files.items()
             if "budget" in files.behaviour}
    if not found and not failures:
        return None
    for sample in sorted(set(found) & set(failures)):
        experiment.warnings.append(f"{sample}: its behaviour failed in this run, so the "
                                   f"budget left by an earlier run is not used ({found[sample]})")
        experiment.files[sample].behaviour.clear()  # nor linked or drawn in the report
    budgets = {sample: behaviour_files.read_budget(path) for sample, path in found.items()
               if sample not in failures}
    classes: list[str] = []
    for sample, budget in budgets.items():
        experiment.inputs.append(experiment.files[sample].behaviour["budget"])
        classes += [c for c in budget["behaviour"] if c not in classes]
    if len({tuple(b["behaviour"]) for b in budgets.values()}) > 1:
        experiment.warnings.append("the mice's behaviour budgets name different classes: a "
                                   "class a mouse's model lacks is left empty for that mouse")
    summary = experiment.summary
    rows_of = summary["sample"].value_counts()
    status, values = [], []
    for sample in summary["sample"]:
        if sample in budgets and rows_of[sample] == 1:
            status.append("ok")
            values.append(budget_values(budgets[sample], classes))
            continue
        why = failures.get(sample, NO_OUTPUT)
        if sample in budgets:
            why = f"behaviour is per video and this video has {rows_of[sample]} individuals"
        status.append(f"missing: {why}")
        values.append({})
    behaviour = Behaviour(classes)
    columns = [TIME.format(c) for c in classes] + [FRACTION.format(c) for c in classes]
    table = pd.DataFrame(values, index=summary.index, columns=columns, dtype=float)
    experiment.summary = pd.concat([summary.assign(**{STATUS: status}), table], axis=1)
    add_bin_fractions(experiment, {s: b for s, b in budgets.items() if rows_of[s] == 1}, classes)
    for sample in budgets:
        ethogram = experiment.files[sample].behaviour.get("ethogram")
        if ethogram is not None and rows_of[sample] == 1:
            behaviour.ethograms[sample] = ethogram
    return behaviour


def add_bin_fractions(experiment: Experiment, budgets: dict[str, pd.DataFrame],
                      classes: list[str]) -> None:
    """Each class's fraction of every scratch time bin (``fraction_<class>`` columns of
    ``experiment.timebins``), from the mouse's per-frame labels: the bins' statistics and
    comparisons then cover behaviour too. A mouse without its labels file keeps them empty;
    without any labels file the bins are left as they are."""
    bins = experiment.timebins
    columns = [FRACTION.format(c) for c in classes]
    fractions = pd.DataFrame(np.nan, index=bins.index, columns=columns)
    for sample, budget in budgets.items():
        path = experiment.files[sample].behaviour.get("labels")
        own = bins.index[bins["sample"] == sample] if len(bins) else []
        if path is None or not len(own):
            continue
        frames, seconds = budget["frames"].sum(), budget["seconds"].sum()
        labels = behaviour_files.read_labels(path, tuple(budget["behaviour"]), int(frames))
        experiment.inputs.append(path)
        time_s = np.arange(len(labels)) * (seconds / frames)
        for index in own:
            start, end = bins.at[index, "bin_start_s"], bins.at[index, "bin_end_s"]
            inside = (time_s >= start) & (time_s < end)
            if inside.any():
                counts = np.bincount(labels[inside], minlength=len(budget))
                for k, name in enumerate(budget["behaviour"]):
                    fractions.at[index, FRACTION.format(name)] = counts[k] / inside.sum()
    if fractions.notna().any(axis=None):
        experiment.timebins = pd.concat([bins, fractions], axis=1)


def budget_values(budget: pd.DataFrame, classes: list[str]) -> dict[str, float]:
    rows = budget.set_index("behaviour")
    return {**{TIME.format(c): float(rows.at[c, "seconds"]) for c in classes if c in rows.index},
            **{FRACTION.format(c): float(rows.at[c, "fraction"]) for c in classes
               if c in rows.index}}
