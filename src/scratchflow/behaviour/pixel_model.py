"""The pixel model, in the spirit of DeepEthoProfile: a convolutional network on stacks of
consecutive greyscale frames.

A stack of ``window_frames`` frames (11) enters as channels through batch normalisation, then
four parallel asymmetric convolutions (11x1, 1x11, 7x3 and 3x7; 32 filters each; stride 2)
whose outputs are concatenated, then standard convolution and pooling, and two fully connected
layers. A stack's label is the majority label of its frames; each frame is classified by the
stack centred on it. Training draws every minibatch evenly from every class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from scratchflow.behaviour.annotations import UNLABELLED
from scratchflow.behaviour.recordings import Recording
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.progress import Report

FIRST_LAYER_KERNELS = ((11, 1), (1, 11), (7, 3), (3, 7))
FILTERS_PER_KERNEL = 32
INFERENCE_BATCH = 256


class StackNet(nn.Module):
    def __init__(self, window: int, n_classes: int, image_px: int):
        super().__init__()
        self.input_norm = nn.BatchNorm2d(window)
        self.first = nn.ModuleList(
            nn.Conv2d(window, FILTERS_PER_KERNEL, kernel, stride=2,
                      padding=(kernel[0] // 2, kernel[1] // 2))
            for kernel in FIRST_LAYER_KERNELS)
        width = FILTERS_PER_KERNEL * len(FIRST_LAYER_KERNELS)
        self.body = nn.Sequential(
            nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3),
            nn.Linear(64 * (image_px // 16) ** 2, 128), nn.ReLU(), nn.Linear(128, n_classes))

    def forward(self, stacks: torch.Tensor) -> torch.Tensor:
        normed = self.input_norm(stacks)
        return self.body(torch.cat([conv(normed) for conv in self.first], dim=1))


def stack_indices(centres: np.ndarray, window: int, n_frames: int) -> np.ndarray:
    """(N, window) frame indices of the stacks centred on ``centres``; the edges repeat."""
    offsets = np.arange(window) - window // 2
    return np.clip(centres[:, None] + offsets, 0, n_frames - 1)


def block_labels(labels: np.ndarray, window: int) -> np.ndarray:
    """The majority label of the stack centred on each frame (unlabelled frames do not vote;
    a stack with no labelled frame is unlabelled)."""
    n_classes = max(int(labels.max()) + 1, 1)
    votes = np.zeros((len(labels), n_classes), np.int32)
    labelled = labels != UNLABELLED
    votes[np.flatnonzero(labelled), labels[labelled]] = 1
    kernel = np.ones(window, np.int32)
    counts = np.stack([np.convolve(votes[:, c], kernel, mode="same")
                       for c in range(n_classes)], axis=1)
    majority = counts.argmax(axis=1)
    return np.where(counts.max(axis=1) > 0, majority, UNLABELLED)


class PixelModel:
    def __init__(self, settings: BehaviourSettings, network: StackNet | None = None,
                 device: str = "cpu"):
        self.settings = settings
        self.device = device
        self.network = (network or StackNet(settings.window_frames, len(settings.classes),
                                            settings.image_px)).to(device)

    def probabilities(self, recording: Recording, report: Report | None = None) -> np.ndarray:
        """(T, classes) probabilities, one stack per frame, in batches."""
        frames = _standardised(recording.inputs(self.settings, report))
        self.network.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(frames), INFERENCE_BATCH):
                centres = np.arange(start, min(start + INFERENCE_BATCH, len(frames)))
                stacks = frames[stack_indices(centres, self.settings.window_frames, len(frames))]
                logits = self.network(torch.from_numpy(stacks).to(self.device))
                out.append(torch.softmax(logits, 1).cpu().numpy())
        return np.concatenate(out)

    def save(self, path: Path) -> None:
        torch.save(self.network.state_dict(), path)

    @classmethod
    def load(cls, path: Path, settings: BehaviourSettings, device: str = "cpu") -> PixelModel:
        model = cls(settings, device=device)
        model.network.load_state_dict(torch.load(path, map_location=device, weights_only=True))
        return model


def _standardised(frames: np.ndarray) -> np.ndarray:
    """Frames as float32 with the video's mean 0 and spread 1: a first evening-out of lighting
    and fur shade, as DeepEthoProfile's contrast enhancement."""
    values = frames.astype(np.float32)
    return (values - values.mean()) / max(float(values.std()), 1e-3)


def train_pixel(recordings: list[Recording], settings: BehaviourSettings,
                report: Report | None = None) -> PixelModel:
    """Train from random weights with class-balanced minibatches."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    frames = [_standardised(r.inputs(settings, report)) for r in recordings]
    pools = _class_pools(recordings, settings.window_frames, len(settings.classes))
    model = PixelModel(settings)
    optimiser = torch.optim.Adam(model.network.parameters(), lr=settings.learning_rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, settings.learning_rate,
                                                   total_steps=settings.train_steps)
    loss_of = nn.CrossEntropyLoss()
    model.network.train()
    for step in range(settings.train_steps):
        stacks, targets = _minibatch(frames, pools, settings, rng)
        optimiser.zero_grad()
        loss = loss_of(model.network(torch.from_numpy(stacks)), torch.from_numpy(targets))
        loss.backward()
        optimiser.step()
        schedule.step()
        if report and (step + 1) % max(1, settings.train_steps // 10) == 0:
            report(f"pixel model: step {step + 1}/{settings.train_steps}, loss {loss.item():.3f}")
    return model


def _class_pools(recordings: list[Recording], window: int,
                 n_classes: int) -> dict[int, np.ndarray]:
    """Per class present: (N, 2) rows of (recording, centre frame) whose stack is that class."""
    pools: dict[int, list[np.ndarray]] = {}
    for index, recording in enumerate(recordings):
        blocks = block_labels(recording.labels, window)
        for label in range(n_classes):
            centres = np.flatnonzero(blocks == label)
            if len(centres):
                pools.setdefault(label, []).append(
                    np.column_stack([np.full(len(centres), index), centres]))
    return {label: np.concatenate(parts) for label, parts in sorted(pools.items())}


def _minibatch(frames: list[np.ndarray], pools: dict[int, np.ndarray],
               settings: BehaviourSettings, rng: np.random.Generator):
    """``batch_per_class`` stacks of every class, with random gain, offset and noise."""
    stacks, targets = [], []
    for label, pool in pools.items():
        for recording, centre in pool[rng.integers(len(pool), size=settings.batch_per_class)]:
            video = frames[recording]
            indices = stack_indices(np.array([centre]), settings.window_frames, len(video))[0]
            stacks.append(video[indices])
            targets.append(label)
    batch = np.stack(stacks)
    gain = rng.uniform(0.8, 1.2, (len(batch), 1, 1, 1)).astype(np.float32)
    offset = rng.uniform(-0.2, 0.2, (len(batch), 1, 1, 1)).astype(np.float32)
    noise = rng.normal(0, 0.05, batch.shape).astype(np.float32)
    return batch * gain + offset + noise, np.array(targets, np.int64)
