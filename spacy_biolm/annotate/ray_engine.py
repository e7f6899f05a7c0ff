"""The Ray engine of `annotate`: the same units, on a Ray Data actor pool.

The pending input units become a dataset of one row per unit. `map_batches` runs
them on a fixed pool of actors, each loading the model once (and given one GPU
with `gpu=True`); an actor annotates a whole unit with `run.annotate_unit`, exactly
as the local engine does, and returns the shard's bytes with the unit's counts and
rejects. The driver commits every result through `OutputDir.finish_unit`, in unit
order, so the shards, ledger and rejects are the local engine's, and a restarted
job skips the units in the ledger. Ray Data schedules; nothing here is a scheduler.

Actors read the inputs themselves: on a cluster the input files must be at the
same path on every node (a shared file system); the output is written by the
driver only.
"""

import json
import pickle
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..errors import Errors
from .formats import Unit
from .run import OutputDir, UnitResult, annotate_unit, load_pipeline

# One unit per call: a unit is the grain of work and of the ledger.
UNITS_PER_CALL = 1


class UnitAnnotator:
    """The actor class of the pool: loads the pipeline once, then annotates whole
    units into shard bytes.

    model (str): An installed pipeline package or a pipeline folder, as every node
        sees it.
    unit_options (Dict[str, Any]): annotate_unit's options.
    gpu (bool): Run on the GPU Ray gave this actor.
    """

    def __init__(self, model: str, unit_options: Dict[str, Any], gpu: bool) -> None:
        # Ray sets CUDA_VISIBLE_DEVICES to this actor's GPU: it is device 0 here.
        self.nlp = load_pipeline(model, gpu_id=0 if gpu else -1)
        self.unit_options = unit_options

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[Any]]:
        """Annotate the units of a batch.

        batch (Dict[str, Any]): Columns "index" and "unit" (a pickled Unit).
        RETURNS (Dict[str, List[Any]]): Columns "index", "shard" (the shard's bytes)
            and "result" (the UnitResult as JSON).
        """
        output: Dict[str, List[Any]] = {"index": [], "shard": [], "result": []}
        for index, pickled in zip(batch["index"], batch["unit"]):
            unit: Unit = pickle.loads(pickled)
            with tempfile.TemporaryDirectory(prefix="spacy-biolm-") as folder:
                path = Path(folder) / "shard"
                result = annotate_unit(self.nlp, unit, path, **self.unit_options)
                shard = path.read_bytes()
            output["index"].append(int(index))
            output["shard"].append(shard)
            output["result"].append(json.dumps(asdict(result)))
        return output


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as error:
        raise ImportError(Errors.E1246.format(reason=error)) from error
    return ray


def run_on_ray(
    model: str,
    out: OutputDir,
    pending: List[Tuple[int, Unit]],
    unit_options: Dict[str, Any],
    *,
    address: Optional[str] = None,
    actors: int = 2,
    gpu: bool = False,
    cpus_per_actor: float = 1.0,
) -> Iterator[Tuple[int, Unit, Path, UnitResult]]:
    """The Ray engine: annotate the pending units on an actor pool and yield each
    complete temporary shard, in unit order, for the driver to commit.

    model (str): An installed pipeline package or a pipeline folder (every node must
        see it at this path).
    out (OutputDir): The output folder (on the driver).
    pending (List[Tuple[int, Unit]]): (index, unit) in unit order.
    unit_options (Dict[str, Any]): annotate_unit's options.
    address (Optional[str]): The cluster to join ("auto", "ray://HOST:10001", …);
        None: the Ray already initialized in this process, else the one `ray.init()`
        finds or starts.
    actors (int): Actors in the pool, each with a copy of the model.
    gpu (bool): Give each actor one GPU.
    cpus_per_actor (float): CPUs Ray reserves for each actor.
    YIELDS (Tuple[int, Unit, Path, UnitResult]): Each unit's index, the unit, its
        complete temporary shard and its result, in unit order.
    """
    ray = _ray()
    if not pending:
        return
    started = not ray.is_initialized()
    if started and address:
        ray.init(address=address)  # a cluster's own settings stand (ray:// takes no others)
    elif started:
        # A Ray of its own on this machine: no dashboard to serve, and the actors'
        # logs would break the progress bar (their errors still reach the driver).
        ray.init(include_dashboard=False, log_to_driver=False)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False  # the driver shows its own
        by_index = dict(pending)
        items = [{"index": index, "unit": pickle.dumps(unit)} for index, unit in pending]
        dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            UnitAnnotator,
            fn_constructor_kwargs={"model": model, "unit_options": unit_options, "gpu": gpu},
            batch_size=UNITS_PER_CALL,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus_per_actor,
            num_gpus=1 if gpu else 0,
        )
        order = iter(sorted(by_index))
        expected = next(order, None)
        waiting: Dict[int, Tuple[bytes, UnitResult]] = {}
        for row in dataset.iter_rows():
            waiting[int(row["index"])] = (row["shard"], UnitResult(**json.loads(row["result"])))
            # Commit in unit order even if results come out of it.
            while expected is not None and expected in waiting:
                shard, result = waiting.pop(expected)
                temp = out.temp_path(expected, unit_options["output_format"])
                temp.write_bytes(shard)
                yield expected, by_index[expected], temp, result
                expected = next(order, None)
    finally:
        if started:
            ray.shutdown()
