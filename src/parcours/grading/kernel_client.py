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


class SlicedChannel(AsyncZMQSocketChannel):
    async def get_msg(self, timeout: float | None = None) -> dict:
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
