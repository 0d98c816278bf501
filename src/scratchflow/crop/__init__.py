"""Crop step: one raw two-enclosure video -> one video per mouse, located by QR codes."""

from scratchflow.crop.boxes import Box, CropGeometry, parse_boxes
from scratchflow.crop.encode import EncoderSettings
from scratchflow.crop.run import CropOptions, CroppedMouse, crop_batch, crop_video, pair_folder

__all__ = ["Box", "CropGeometry", "CropOptions", "CroppedMouse", "EncoderSettings",
           "crop_batch", "crop_video", "pair_folder", "parse_boxes"]
