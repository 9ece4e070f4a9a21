"""A kernel client that never waits on one long ZMQ poll, so a reply already there is never missed.

With several sockets read on one asyncio loop (shell and iopub of a busy cell, widgets), pyzmq's
edge-triggered notifications can be missed: a reply already in the socket then waits until the
poll times out — a whole cell timeout (60 s) with nbclient, about one copy in twenty in our
batches. :class:`SlicedKernelClient` polls in slices of :data:`SLICE_S`; each slice ends with a
real non-blocking poll, so such a reply is read within a fraction of a second.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE_S = 0.2
# jupyter_client ends a kernel's start by reading iopub until 0.2 s pass with no message, a fixed
# 0.2 s per copy (a fifth of its grading). Every reader here picks its messages by parent id, so
# an old status message left behind is harmless: a short silence is enough.
QUIET_S = 0.02


class SlicedChannel(AsyncZMQSocketChannel):
    quiet_s: float | None = None  # while the kernel starts: the longest wait for one message

    async def get_msg(self, timeout: float | None = None) -> dict:
        if self.quiet_s is not None and timeout is not None:
            timeout = min(timeout, self.quiet_s)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = SLICE_S if deadline is None else min(SLICE_S, deadline - time.monotonic())
            try:
                return await super().get_msg(timeout=max(0.0, step))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    stdin_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        self.iopub_channel.quiet_s = QUIET_S
        try:
            await AsyncKernelClient.wait_for_ready(self, timeout)
        finally:
            self.iopub_channel.quiet_s = None
