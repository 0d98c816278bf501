"""Crop step: one raw two-enclosure video -> one video per mouse, located by QR codes.

Modules: ``boxes`` (geometry, --boxes), ``qr`` (detection), ``naming``, ``encode`` (ffmpeg
split), ``preview`` and ``run`` (``crop_video``, ``crop_batch``). Nothing heavy is imported
here so that ``scratchflow --help`` works without OpenCV or libzbar loaded.
"""
