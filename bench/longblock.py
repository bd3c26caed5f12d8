"""`python bench/longblock.py [--mb 9] [--model NAME]`: one huge paragraph, checked with drift.

Issue 20, item 3: a 9 MB one-line file (under the 10 MiB input limit) was embedded whole and
asked USE for a 10.7 GiB array. This builds a one-paragraph English article and its Chinese
translation, the Chinese `--mb` MB (the English ~10% more), from template sentences with
varied slots (so no two windows are alike and the cache cannot shortcut), and times
`qa check NAME.zh.md --format json` in a fresh process on an empty embedding cache, with
drift and with --no-drift (what the checks alone cost). Target on the 2-core box: peak RSS
<= 1.5 GB and <= 60 s with drift under the default model.

Prints one row per run: wall time, peak RSS of the `qa` process, exit code, and the notes
that say how the long block was embedded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_EN = (
    "The {m} model reached {n} percent accuracy on the {d} benchmark after {k} epochs of training.",
    "Researchers at {o} released a new version of {m} with {n} billion parameters.",
    "Training on {d} took {k} days on {n} GPUs, which the team says cost less than expected.",
    "A smaller {m} distilled from the original keeps most of its quality at a fraction of the cost.",
    "Critics argue that the {d} benchmark rewards memorisation rather than reasoning, "
    "as {o} showed in {k} experiments.",
    "The paper compares {m} with {n} baselines and reports gains on every task except translation.",
)
_ZH = (
    "{m} 模型经过 {k} 轮训练后，在 {d} 基准上达到了百分之 {n} 的准确率。",
    "{o} 的研究人员发布了新版 {m}，参数量达 {n}0 亿。",
    "在 {d} 上训练用了 {k} 天和 {n} 块 GPU，团队表示成本低于预期。",
    "从原模型蒸馏出的较小 {m} 以很小的代价保留了大部分质量。",
    "批评者认为 {d} 基准奖励的是记忆而非推理，{o} 在 {k} 组实验中证明了这一点。",
    "论文将 {m} 与 {n} 个基线进行比较，除翻译外的所有任务都有提升。",
)
_MODELS = ("GPT-3", "BERT", "T5", "CLIP", "Whisper", "LLaMA", "PaLM", "RoBERTa", "ViT", "DALL-E")
_DATASETS = ("ImageNet", "GLUE", "SuperGLUE", "SQuAD", "MMLU", "COCO", "WMT", "LAMBADA")
_ORGS = ("Google", "OpenAI", "Meta", "DeepMind", "Hugging Face", "EleutherAI", "Stanford")


def build(folder: Path, name: str, zh_bytes: int, seed: int = 20) -> Path:
    """NAME.en.md and NAME.zh.md in `folder`, one line each; returns the Chinese file."""
    rng = random.Random(seed)
    english, chinese, size = [], [], 0
    while size < zh_bytes:
        i = rng.randrange(len(_EN))
        slots = {
            "m": rng.choice(_MODELS),
            "d": rng.choice(_DATASETS),
            "o": rng.choice(_ORGS),
            "n": rng.randrange(2, 1000),
            "k": rng.randrange(2, 100),
        }
        english.append(_EN[i].format(**slots))
        chinese.append(_ZH[i].format(**slots))
        size += len(chinese[-1].encode("utf-8"))
    (folder / f"{name}.en.md").write_text(" ".join(english) + "\n", encoding="utf-8")
    target = folder / f"{name}.zh.md"
    target.write_text("".join(chinese) + "\n", encoding="utf-8")
    return target


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "rss_mb": rss / 1024, "code": result.returncode, "stderr": result.stderr[-300:]}))
"""


def measure(command: list[str], cache: Path) -> dict:
    """Wall time and peak RSS of one command in a fresh process, on the given cache folder."""
    env = {**os.environ, "QA_CACHE_DIR": str(cache)}
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(completed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=9.0, help="size of the Chinese file in MB (10^6 bytes)")
    parser.add_argument("--model", default="use-multilingual")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        target = build(folder, "long", int(arguments.mb * 1_000_000))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(folder.glob("long.*")))
        print(f"{sizes}; model {arguments.model}\n")
        print("| run | wall s | peak RSS MB | exit |")
        print("|---|---|---|---|")
        notes: list[str] = []
        for label, extra in (("drift", ["--model", arguments.model]), ("--no-drift", ["--no-drift"])):
            cache = folder / f"cache-{label}"
            if arguments.model == "multilingual-e5-small" and label == "drift":
                measure([sys.executable, "-c", "from qa.embed.e5 import ensure_built; ensure_built()"], cache)
            report = folder / f"{label}.json"
            command = [sys.executable, "-m", "qa", "check", str(target), "--format", "json", "-o", str(report)]
            result = measure(command + extra, cache)
            print(f"| {label} | {result['wall']:.1f} | {result['rss_mb']:.0f} | {result['code']} |")
            if result["code"] not in (0, 1):
                print(f"    stderr: {result['stderr']!r}")
            elif label == "drift":
                notes = json.loads(report.read_text(encoding="utf-8"))["notes"]
        print("\ntarget with drift: <= 60 s, <= 1,500 MB\n")
        for note in notes:
            print(f"- {note}")


if __name__ == "__main__":
    main()
