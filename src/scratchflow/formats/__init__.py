"""Pose formats: one canonical type and one module per file format.

``model`` (``PoseData``), ``dlc`` (the DeepLabCut table: read and write), ``sleap`` (SLEAP
analysis HDF5), ``roles`` (which body part is which paw), ``pose_record`` (the frame-rate
sidecar and pose provenance) and ``load`` (``load_pose``, which picks the reader).
A new format (a multi-animal identity-repaired output, an export to movement's or NWB's
files) is a new module here that converts to or from ``PoseData``.
"""

from scratchflow import lazy

_EXPORTS = {"scratchflow.formats.load": ("load_pose",),
            "scratchflow.formats.model": ("PoseData",),
            "scratchflow.formats.roles": ("DEFAULT_BODYPARTS", "ROLES", "resolve_role_names",
                                          "resolve_roles")}
__getattr__ = lazy.exports(__name__, _EXPORTS)
__all__ = sorted(name for names in _EXPORTS.values() for name in names)
