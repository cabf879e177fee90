"""replicer_hooks from asyncio: the library's sockets watched by the running
event loop and its timer kept as a loop timer (rh_loop.h), so a web server
on asyncio sends webhooks without a thread or a polling task, as the Node
binding does on libuv.

    async with replicer_hooks.aio.AsyncContext(store=...) as ctx:
        ctx.add_endpoint(url, ["order.*"])
        ctx.emit("order.paid", {"order": "o_1"})
        await ctx.idle(timeout=10)

Every call of Context works on it, from the loop's thread.
"""
import asyncio
import ctypes

from . import Context, RH_POLL_IN, RH_POLL_OUT, RH_POLL_REMOVE, RH_E_STORAGE
from . import _lib, _fn, _vp

_process_fd = _fn(_lib, "rh_process_fd", ctypes.c_int, _vp, ctypes.c_int,
                  ctypes.c_uint)


class AsyncContext(Context):
    """A Context driven by the running asyncio loop (make it inside one).
    Takes Context's arguments."""

    def __init__(self, **kwargs):
        self._loop = asyncio.get_running_loop()
        self._timer = None
        self._watched = {}  # fd: what the library asked to watch it for
        self._idle = []     # futures waiting for nothing to do
        super().__init__(on_socket=self._on_socket, on_timer=self._on_timer,
                         **kwargs)

    # the library's requests: they may come inside any call on the context,
    # so they only arrange for the loop to call back later
    def _on_socket(self, fd, what):
        if fd in self._watched:
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
            del self._watched[fd]
        if what & RH_POLL_REMOVE:
            return
        if what & RH_POLL_IN:
            self._loop.add_reader(fd, self._ready, fd, RH_POLL_IN)
        if what & RH_POLL_OUT:
            self._loop.add_writer(fd, self._ready, fd, RH_POLL_OUT)
        self._watched[fd] = what

    def _on_timer(self, ms):
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if ms >= 0:
            self._timer = self._loop.call_later(ms / 1000.0, self._fire)
        elif not self._watched:
            self._wake_idle()

    def _ready(self, fd, events):
        if self._ctx:
            self._step(lambda: _process_fd(self._ctx, fd, events))

    def _fire(self):
        self._timer = None
        if self._ctx:
            self._step(self.tick)

    def _step(self, step):
        """Run one of the library's steps from the loop. What it raises, or
        a hook raised inside it, goes to the idle() waiters; with none
        waiting it is raised here, for the loop's exception handler."""
        try:
            rc = step()
            if rc < 0 and rc != RH_E_STORAGE:
                self._check(rc)
            if self._raised:
                raised, self._raised[:] = self._raised[0], []
                raise raised
        except Exception as e:
            if not self._fail_idle(e):
                raise
        self._settle()

    def _fail_idle(self, e):
        waiting, self._idle = [f for f in self._idle if not f.done()], []
        for f in waiting:
            f.set_exception(e)
        return bool(waiting)

    def _settle(self):
        if self._ctx and self.next_timeout_ms() < 0:
            self._wake_idle()

    def _wake_idle(self):
        if self._raised:  # told idle inside a step that a hook raised in
            return        # (_step gives the waiters the exception)
        waiting, self._idle = self._idle, []
        for f in waiting:
            if not f.done():
                f.set_result(True)

    async def idle(self, timeout=None):
        """True once nothing is pending or in flight; False when timeout
        (seconds) runs out first. Raises what a hook raised meanwhile."""
        if self.next_timeout_ms() < 0:
            return True
        f = self._loop.create_future()
        self._idle.append(f)
        if self._timer is None:  # nothing scheduled yet: look now
            self._timer = self._loop.call_soon(self._fire)
        try:
            return await asyncio.wait_for(asyncio.shield(f), timeout)
        except asyncio.TimeoutError:
            return False

    def close(self):
        if self._timer:
            self._timer.cancel()
            self._timer = None
        for fd in list(self._watched):
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
        self._watched.clear()
        super().close()
        self._wake_idle()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
