"""Role mapping: which of a file's body parts is the nose, the tail base, each paw."""

from __future__ import annotations

import re
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.formats.model import PoseData

ROLES = ("nose", "tail_base", "fore_left", "fore_right", "hind_left", "hind_right")

# Body-part names each role takes when no --bodypart mapping is given. Names are compared
# after lower-casing and dropping everything but letters and digits, so "Hind Paw L",
# "hind_paw_l" and "HindPawL" are one name.
DEFAULT_BODYPARTS: dict[str, tuple[str, ...]] = {
    "nose": ("nose", "snout"),
    "tail_base": ("tail_base", "tailbase", "tail base", "butt/proximal tail", "tailroot",
                  "base_of_tail"),
    "fore_left": ("fore_paw_left", "front paw l", "forepaw_l", "forehand-left", "front_left_paw"),
    "fore_right": ("fore_paw_right", "front paw r", "forepaw_r", "forehand-right",
                   "front_right_paw"),
    "hind_left": ("hind_paw_left", "hind paw l", "hindpaw_l", "left_rear_paw", "hindhand-left"),
    "hind_right": ("hind_paw_right", "hind paw r", "hindpaw_r", "right_rear_paw", "hindhand-right"),
}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_roles(
    pose: PoseData, mapping: dict[str, str] | None = None, required: tuple[str, ...] = ROLES
) -> dict[str, int]:
    """Map each role to a keypoint index of ``pose`` (see ``resolve_role_names``)."""
    return resolve_role_names(pose.keypoints, mapping, required, pose.source)


def resolve_role_names(
    keypoints: tuple[str, ...], mapping: dict[str, str] | None = None,
    required: tuple[str, ...] = ROLES, source: str | Path | None = None,
) -> dict[str, int]:
    """Map each role to an index in ``keypoints``: explicit ``mapping`` first, then the defaults.

    Roles not in ``required`` are optional and left out when absent. ``source`` names the file
    in the error message.
    """
    mapping = mapping or {}
    unknown = set(mapping) - set(ROLES)
    if unknown:
        raise InputError(None, f"unknown role(s) {sorted(unknown)}", f"roles are {list(ROLES)}")
    by_name = {_normalise(k): i for i, k in enumerate(keypoints)}
    resolved: dict[str, int] = {}
    missing = []
    for role in ROLES:
        candidates = (mapping[role],) if role in mapping else DEFAULT_BODYPARTS[role]
        index = next((by_name[_normalise(c)] for c in candidates if _normalise(c) in by_name), None)
        if index is not None:
            resolved[role] = index
        elif role in required:
            missing.append(f"{role} (looked for {', '.join(repr(c) for c in candidates)})")
    if missing:
        raise InputError(
            source,
            "missing body part(s) for role(s): " + "; ".join(missing)
            + f". The file has: {', '.join(repr(k) for k in keypoints)}",
            'map them with --bodypart ROLE=NAME, e.g. --bodypart hind_left="Hind Paw L"',
        )
    # One point cannot be two roles: both hind paws on one body part would never scratch.
    by_index: dict[int, list[str]] = {}
    for role, index in resolved.items():
        by_index.setdefault(index, []).append(role)
    shared = [f"{' and '.join(roles)} are all {keypoints[i]!r}"
              for i, roles in by_index.items() if len(roles) > 1]
    if shared:
        raise InputError(source, "one body part for several roles: " + "; ".join(shared),
                         "map each role to its own body part with --bodypart ROLE=NAME")
    return resolved
