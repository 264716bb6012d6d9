"""Checks on user files grow linearly: a contract 4x larger takes about 4x longer, never 16x
(the old ordinal-clash check and node checks were quadratic: 20,000 ordinals took 11 s). CPU
time only as a ratio with a wide margin and a 20 s cap, never as a tight budget."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

import pytest

from plugsmith import _yaml, contract
from plugsmith.errors import ConfigError


def _ordinals(n: int) -> str:
    return "version 1\n" + "".join(f"s{i} function ordinal={i + 1}\n" for i in range(n))


def _chain(n: int) -> str:
    """n version nodes, each inheriting the previous, each symbol deprecated in the next node."""
    return "version 1\n" + "".join(
        f"[N{i}]" + (f" inherits N{i - 1}" if i else "") + f"\ns{i} function"
        + (f" deprecated=N{i + 1}" if i < n - 1 else "") + "\n" for i in range(n))


def _errors(n: int) -> str:
    return "version 1\nok function\n" + "".join(f"bad-{i} function\n" for i in range(n))


def _yaml_list(n: int) -> str:
    return "version: 1\nitems:\n" + "".join(f"  - {{name: n{i}, flags: [-Da{i}, -Db{i}]}}\n" for i in range(n))


def _best(fn: Callable[[], object]) -> float:
    """The least CPU time of five runs, the collector paused: other processes on a loaded CI
    machine and a collection landing in one run do not count, only this parse's own work."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(5):
            started = time.process_time()
            with contextlib.suppress(ConfigError):  # the many-errors case ends in one; its work is what counts
                fn()
            times.append(time.process_time() - started)
    finally:
        if enabled:
            gc.enable()
    return min(times)


@pytest.mark.parametrize(("make", "parse", "n"), [
    (_ordinals, lambda t: contract.parse(t, "c"), 2000),
    (_chain, lambda t: contract.parse(t, "c"), 1000),
    (_errors, lambda t: contract.parse(t, "c"), 5000),
    (_yaml_list, lambda t: _yaml.loads(t, "m"), 500),
], ids=["ordinals", "node-chain", "many-errors", "yaml"])
def test_work_grows_linearly(make: Callable[[int], str], parse: Callable[[str], object], n: int) -> None:
    small, large = make(n), make(4 * n)
    t_small = _best(lambda: parse(small))
    t_large = _best(lambda: parse(large))
    assert t_large < 20
    assert t_large < 8 * t_small + 0.05, (t_small, t_large)  # linear: ~4x; quadratic: ~16x


def test_twenty_thousand_ordinals_parse() -> None:
    parsed = contract.parse(_ordinals(20_000), "c")
    assert len(parsed.symbols) == 20_000


def test_a_clash_among_many_ordinals_is_still_found() -> None:
    text = _ordinals(20_000) + "late function ordinal=12345\n"
    with pytest.raises(ConfigError) as info:
        contract.parse(text, "c")
    assert str(info.value) == "c:20002:15: ordinal: ordinal 12345 already used by 's12344' (line 12346)"
