"""attack47's small native runs: a failed run whose one agent calls one tool five times with the same answer (a loop
by the default detector settings); a live trace's finished spans; and a write lock telling when a second writer waits
for it."""

from __future__ import annotations

import threading


def loop_run(run_id: str = "r1") -> list[dict]:
    """The run's record, its planning step ``s0``, then ``s1``..``s5``: the same tool call, the same answer."""
    step = {"record": "step", "run_id": run_id, "agent": "pricer"}
    return [
        {"record": "run", "run_id": run_id, "outcome": "failure"},
        {**step, "step_id": "s0", "kind": "llm", "started_at": "2026-01-05T10:00:00Z", "output": "plan"},
    ] + [
        {**step, "step_id": f"s{i}", "parent_id": "s0", "kind": "tool", "tool": "lookup", "input": '{"q": 1}',
         "output": "the same answer", "started_at": f"2026-01-05T10:00:0{i}Z"}
        for i in range(1, 6)
    ]  # fmt: skip


def agent_spans(calls: int = 4) -> list:
    """The finished OpenTelemetry spans of one trace: the agent pricer calling the tool lookup ``calls`` times (the
    calls first, then the agent's span: ended last)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("desk")
    with tracer.start_as_current_span("invoke_agent pricer", attributes={"gen_ai.agent.name": "pricer"}):
        for _ in range(calls):
            with tracer.start_as_current_span(
                "execute_tool lookup", attributes={"gen_ai.tool.name": "lookup"}
            ):
                pass
    return list(memory.get_finished_spans())


class TellingLock:
    """A workspace's write lock (``ws._writes``) that sets ``moved`` when a thread finds it held by another and waits:
    a test whose second writer is started from inside the first one's write waits on ``moved``, which that writer's
    thread also sets when it ends, so the test neither sleeps nor hangs whether the two are serialised or not."""

    def __init__(self, lock, moved: threading.Event) -> None:  # noqa: ANN001
        self.lock, self.moved = lock, moved

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        # (a try that does not wait, as the live capture's export makes, is no waiting writer: moved stays)
        if self.lock.acquire(blocking=False):  # (re-entered by its holder: taken at once)
            return True
        if not blocking:
            return False
        self.moved.set()
        return self.lock.acquire(timeout=timeout)

    def release(self) -> None:
        self.lock.release()

    @property
    def generation(self) -> int | None:
        """The wrapped lock's count of the writes that ended (WriteLock; None for a lock that keeps none)."""
        return getattr(self.lock, "generation", None)

    def __enter__(self) -> TellingLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def write_meanwhile(monkeypatch, thread: threading.Thread, moved: threading.Event) -> None:  # noqa: ANN001
    """Make the next ``wb.detect`` start ``thread`` (another writer) between its detectors' reads and its store
    (``_runner._store``) and store once that writer ended or waits for the detect's lock (``moved``): no timing.
    A detect of the thread's own stores as usual."""
    from workbench.detect import _runner

    store = _runner._store

    def meanwhile(con, chosen, settings):  # noqa: ANN001, ANN202
        monkeypatch.setattr(_runner, "_store", store)
        thread.start()
        assert moved.wait(
            timeout=60
        )  # (bounded: a writer that neither ends nor waits fails the test, not hangs it)
        return store(con, chosen, settings)

    monkeypatch.setattr(_runner, "_store", meanwhile)


def writer(call, moved: threading.Event, errors: list[BaseException]) -> threading.Thread:  # noqa: ANN001
    """A thread running ``call`` (another writer of the store), keeping its exception in ``errors``, setting ``moved``
    when it ends."""

    def run() -> None:
        try:
            call()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            moved.set()

    return threading.Thread(target=run)
