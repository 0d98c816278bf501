"""Pose estimation: run a lab's DeepLabCut project over per-mouse videos.

DeepLabCut itself is imported only when a model runs, so the rest of the package works
without it (``pip install 'scratchflow[dlc]'`` adds it; ``scratchflow[tf]`` adds TensorFlow
for DeepLabCut 2.x projects).
"""

from scratchflow.pose.infer import PoseFailure, PoseSettings, estimate_video, run_pose
from scratchflow.pose.project import DlcProject, open_project, require_engine

__all__ = ["DlcProject", "PoseFailure", "PoseSettings", "estimate_video", "open_project",
           "require_engine", "run_pose"]
