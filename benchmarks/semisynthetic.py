"""Semi-synthetic benchmark of the scratch detector, with a tuning and a reporting split.

Cases come from benchmarks/scratch_generator.py: real tracks of freely moving mice with
scratch trains and confounders spliced in. The two splits share no background and no seed:

- tuning: VAME (25 fps) and JABS v2 (30 fps) backgrounds, seeds 0-99. ``--tune`` searches
  the detector's thresholds on it; nothing else ever looks at it.
- reporting: B-SOiD clip 1 (60 fps) and the two DeepOF arena tracks (25 fps), seeds
  1000 and up. BENCHMARKS.md reports this split alone, with default parameters.

    python benchmarks/semisynthetic.py --seeds 3 [--shared ../shared/data] [--out benchmarks/out]
    python benchmarks/semisynthetic.py --tune --trials 100 --seeds 4   # the best thresholds
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scratch_generator as gen

from scratchflow.quantify import ScratchParams, detect_scratching
from scratchflow.quantify.evaluate import match_bouts, score
from scratchflow.quantify.tune import DEFAULT_SPACE, tune
from scratchflow.quantify.tune import Case as TuneCase

SPLITS = {
    "tuning": (("vame", "jabs_v2"), 0),
    "reporting": (("bsoid_clip1", "deepof_arena1", "deepof_arena2"), 1000),
}
FRAME_RATES = (30.0, 60.0, 120.0)
JITTER_LEVELS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
AMPLITUDES_BL = (0.05, 0.075, 0.1, 0.15, 0.2, 0.3)
TARGETS = {"bout_f1": 0.95, "time_f1": 0.95, "median_stroke_error": 0.10, "limb_accuracy": 0.95}
TARGET_CONFOUNDER_FALSE_PER_10_MIN = 1.0
ROLES = {role: i for i, role in enumerate(gen.ROLES)}


@dataclass(frozen=True)
class Family:
    """One set of cases: conditions, frame rate and how many seeds per background."""

    name: str
    conditions: gen.Conditions
    fps: float
    seeds: int


def cases(shared: Path, split: str, family: Family) -> list[gen.Case]:
    names, first_seed = SPLITS[split]
    out = []
    for index, name in enumerate(names):
        background = gen.load_background(shared, name)
        # DeepOF tracks are 18 s long: more seeds give them a comparable share of time.
        repeats = family.seeds * max(1, int(round(60 / background.duration_s)))
        for k in range(repeats):
            seed = first_seed + 100 * index + k
            out.append(gen.make_case(background, family.fps, seed, family.conditions))
    return out


def detect_all(items: list[gen.Case], params: ScratchParams) -> list[pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 30 fps aliasing warning is the point there
        return [detect_scratching(c.pose, ROLES, params).bouts for c in items]


def scores_row(items: list[gen.Case], calls: list[pd.DataFrame]) -> dict:
    """Bout and time scores, plus false calls per hour inside each kind of confounder."""
    result = score([(pred, case.truth) for pred, case in zip(calls, items, strict=True)])
    false = {kind: 0 for kind in gen.CONFOUNDERS} | {"elsewhere": 0}
    seconds = {kind: 0.0 for kind in gen.CONFOUNDERS}
    for pred, case in zip(calls, items, strict=True):
        matched = {p for p, _ in match_bouts(pred, case.truth)}
        for episode in case.episodes.itertuples():
            seconds[episode.kind] += episode.end_s - episode.start_s
        for index, bout in pred.iterrows():
            if index in matched:
                continue
            inside = case.episodes[(case.episodes.start_s < bout.end_s)
                                   & (case.episodes.end_s > bout.start_s)]
            false[inside.kind.iloc[0] if len(inside) else "elsewhere"] += 1
    hours = sum(c.pose.n_frames / c.pose.fps for c in items) / 3600
    row = {**result.to_dict(), "hours": hours,
           "false_elsewhere_per_h": false["elsewhere"] / hours}
    for kind in gen.CONFOUNDERS:
        row[f"{kind}_s"] = seconds[kind]
        row[f"{kind}_false"] = false[kind]
    return row


def run_family(shared: Path, split: str, family: Family, params: ScratchParams) -> dict:
    items = cases(shared, split, family)
    calls = detect_all(items, params)
    return {"family": family.name, "fps": family.fps, **scores_row(items, calls)}


def families(seeds: int) -> list[Family]:
    main = gen.Conditions()
    out = [Family("main", main, fps, seeds) for fps in FRAME_RATES]
    out += [Family(f"jitter {level:g}x", gen.with_jitter(main, level), fps, seeds)
            for fps in (60.0, 120.0) for level in JITTER_LEVELS]
    out += [Family(f"amplitude {a:g} BL", replace(main, jitter=(1.0,), amplitude_bl=(a, a)),
                   fps, seeds) for fps in (60.0, 120.0) for a in AMPLITUDES_BL]
    only_confounders = replace(main, scratch_share=0.0, jitter=(1.0, 2.0))
    out += [Family("confounders", only_confounders, fps, 10 * seeds) for fps in (60.0, 120.0)]
    return out


def confounder_table(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for row in table[table.family == "confounders"].itertuples():
        for kind in gen.CONFOUNDERS:
            minutes = getattr(row, f"{kind}_s") / 60
            false = getattr(row, f"{kind}_false")
            rows.append({"fps": row.fps, "confounder": kind, "minutes": minutes,
                         "false_bouts": false, "per_10_min": 10 * false / minutes,
                         "per_hour": 60 * false / minutes})
    return pd.DataFrame(rows)


def figures(table: pd.DataFrame, confounders: pd.DataFrame, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for fps, marker in ((60.0, "o"), (120.0, "s")):
        jitter = table[table.family.str.startswith("jitter") & (table.fps == fps)]
        levels = jitter.family.str.extract(r"([\d.]+)x")[0].astype(float)
        axes[0].plot(levels * gen.JITTER_1X_BL, jitter.bout_f1, marker=marker, label=f"{fps:g} fps")
        amp = table[table.family.str.startswith("amplitude") & (table.fps == fps)]
        sizes = amp.family.str.extract(r"([\d.]+) BL")[0].astype(float)
        axes[1].plot(sizes, amp.bout_f1, marker=marker, label=f"{fps:g} fps")
    axes[0].axvline(2 * gen.JITTER_1X_BL, color="grey", ls=":", label="2x (target limit)")
    axes[0].set(xlabel="jitter SD per keypoint (body lengths)", ylabel="bout F1",
                title="Bout F1 against tracking jitter")
    axes[1].set(xlabel="stroke excursion (body lengths), jitter 1x", ylabel="bout F1",
                title="Bout F1 against stroke size", xscale="log")
    for ax in axes[:2]:
        ax.axhline(TARGETS["bout_f1"], color="red", ls="--", lw=1, label="target 0.95")
        ax.set_ylim(0, 1.02)
        ax.legend()
    pivot = confounders.pivot(index="confounder", columns="fps", values="per_hour")
    pivot.plot.barh(ax=axes[2])
    axes[2].axvline(6, color="red", ls="--", lw=1, label="target: 1 per 10 min")
    axes[2].set(xlabel="false bouts per hour of confounder", title="False bouts in confounders")
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(out / "robustness.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per background and family")
    parser.add_argument("--tune", action="store_true", help="search thresholds on the tuning split")
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.tune:
        tuning = [c for fps in (60.0, 120.0) for family in (
            Family("main", gen.Conditions(), fps, args.seeds),
            Family("confounders", replace(gen.Conditions(), scratch_share=0.0), fps, args.seeds))
            for c in cases(args.shared, "tuning", family)]
        best, trials = tune([TuneCase(c.pose, ROLES, c.truth) for c in tuning], DEFAULT_SPACE,
                            args.trials, seed=0)
        trials.to_csv(args.out / "tuning_trials.csv", index=False)
        print(trials.sort_values("bout_f1").tail(5).to_string(index=False))
        print({name: getattr(best, name) for name in DEFAULT_SPACE})
        return
    params = ScratchParams()
    table = pd.DataFrame([run_family(args.shared, "reporting", f, params)
                          for f in families(args.seeds)])
    confounders = confounder_table(table)
    table.to_csv(args.out / "semisynthetic_reporting.csv", index=False)
    confounders.to_csv(args.out / "semisynthetic_confounders.csv", index=False)
    figures(table, confounders, args.out)
    columns = ["family", "fps", "n_true", "n_pred", "n_matched", "bout_precision", "bout_recall",
               "bout_f1", "time_f1", "median_stroke_error", "limb_accuracy",
               "false_elsewhere_per_h", "hours"]
    print(table[columns].round(3).to_string(index=False))
    print()
    print(confounders.round(2).to_string(index=False))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
