"""Pose formats: one canonical type and one module per file format.

``model`` (``PoseData``), ``dlc`` (the DeepLabCut table: read and write), ``sleap`` (SLEAP
analysis HDF5), ``roles`` (which body part is which paw), ``pose_record`` (the frame-rate
sidecar and pose provenance) and ``load`` (``load_pose``, which picks the reader).
A new format (a multi-animal identity-repaired output, an export to movement's or NWB's
files) is a new module here that converts to or from ``PoseData``.
"""

from scratchflow.formats import pose_record
from scratchflow.formats.load import load_pose
from scratchflow.formats.model import PoseData
from scratchflow.formats.roles import DEFAULT_BODYPARTS, ROLES, resolve_role_names, resolve_roles

__all__ = ["DEFAULT_BODYPARTS", "ROLES", "PoseData", "load_pose", "pose_record",
           "resolve_role_names", "resolve_roles"]
