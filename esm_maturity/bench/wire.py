"""A browser tab without the browser: Streamlit's websocket protocol, as the bench's byte counter and load driver.

What one tab of Streamlit's frontend does, as far as a page load and a rerun go:

- connect to `/_stcore/stream` with the subprotocol `streamlit` and the app's own Origin (the frontend puts
  its XSRF token second in that header; only a sign-in cookie needs it, and local mode has none);
- send a `BackMsg` whose `rerun_script` is a `ClientState`: on the first load the page's URL path as
  `page_name` and the URL's query string; on a rerun the current page's `page_script_hash` (from the
  `navigation` message st.navigation sends, else `new_session`), the query string the app last wrote
  (`page_info_changed`), the widget that changed (`widget_states`), and
  `cached_message_hashes`: the hashes of the cacheable messages received in the last
  `max_cached_message_age` runs (the frontend's ForwardMsgCache), so the server sends a small `ref_hash`
  message instead of a large one the tab already holds;
- read `ForwardMsg`s until `script_finished` (a run stopped early for a rerun, FINISHED_EARLY_FOR_RERUN,
  is followed by another run: keep reading).

A run's figure is the bytes of every ForwardMsg (the websocket payloads) and the seconds from sending the
rerun to receiving `script_finished`. Streamlit's protobufs are loaded when the first tab connects: this
module runs in the bench's own process, never in the app's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

STREAM = "/_stcore/stream"


@dataclass
class Run:
    """One script run as a tab saw it."""

    seconds: float
    bytes: int
    messages: int
    errors: list[str] = field(default_factory=list)
    changed: str = ""          # the widget key a rerun changed ("" for a first load or a plain rerun)


@dataclass
class _Selectbox:
    id: str
    options: list[str]
    value: str | None

    @property
    def key(self) -> str:
        return self.id.rsplit("-", 1)[-1] if self.id.startswith("$$ID-") else ""


def _protos():
    # deferred: Streamlit's protobufs load the streamlit package; only the bench process that drives a
    # server needs them, and importing this module must not load streamlit
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    return BackMsg, ForwardMsg, WidgetState


class Tab:
    """`async with Tab(server_url) as tab:` then `await tab.open("trends")`, `await tab.change_selectbox()`."""

    def __init__(self, url: str, timeout: float = 300):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.page_script_hash = ""
        self.query_string = ""
        self.selectboxes: list[_Selectbox] = []
        self._cache: dict[str, int] = {}       # message hash -> the run count it was last seen in
        self._runs = 0
        self._max_age = 2
        self._ws = None

    async def __aenter__(self) -> "Tab":
        # deferred: websockets (a Streamlit dependency) is needed only where a tab connects
        from websockets.asyncio.client import connect

        self._BackMsg, self._ForwardMsg, self._WidgetState = _protos()
        self._ws = await connect(self.url.replace("http", "ws", 1) + STREAM, subprotocols=["streamlit"],
                                 origin=self.url, max_size=None, open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def open(self, page: str, query: str = "") -> Run:
        """The page's first load in this tab, as a browser opening `/<page>?<query>`."""
        back = self._BackMsg()
        back.rerun_script.page_name = page
        back.rerun_script.query_string = query
        self._context(back.rerun_script, page, query)
        return await self._run(back)

    async def rerun(self, widget=None, changed: str = "") -> Run:
        """A rerun of the current page; `widget` (a WidgetState) is the one a person changed."""
        back = self._BackMsg()
        state = back.rerun_script
        state.page_script_hash = self.page_script_hash
        state.query_string = self.query_string
        if widget is not None:
            state.widget_states.widgets.append(widget)
        state.cached_message_hashes.extend(self._cache)
        self._context(state, "", self.query_string)
        run = await self._run(back)
        run.changed = changed
        return run

    async def change_selectbox(self, key: str | None = None) -> Run:
        """A typical rerun: the selectbox with `key` (default: the page's first keyed one outside a form) set
        to another option. A page with no such selectbox gets a plain rerun, nothing changed."""
        box = next((b for b in self.selectboxes if b.key and (key is None or b.key == key) and len(b.options) > 1),
                   None)
        if box is None:
            return await self.rerun()
        choice = next(o for o in box.options if o != box.value)
        return await self.rerun(self._WidgetState(id=box.id, string_value=choice), changed=box.key)

    def _context(self, state, page: str, query: str) -> None:
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-GB"
        info.url = f"{self.url}/{page}" + (f"?{query}" if query else "")
        info.color_scheme = "light"

    async def _run(self, back) -> Run:
        # deferred: asyncio's timeout is only for a tab that runs
        import asyncio

        start = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        total = count = 0
        errors: list[str] = []
        boxes: list[_Selectbox] = []
        async with asyncio.timeout(self.timeout):
            while True:
                data = await self._ws.recv()
                total, count = total + len(data), count + 1
                msg = self._ForwardMsg()
                msg.ParseFromString(data)
                if self._read(msg, boxes, errors):
                    break
        self.selectboxes = boxes
        return Run(time.perf_counter() - start, total, count, errors)

    def _read(self, msg, boxes: list[_Selectbox], errors: list[str]) -> bool:
        """Take in one message; True when it ends the run."""
        kind = msg.WhichOneof("type")
        if msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = self._runs
        if kind == "ref_hash":
            self._cache[msg.ref_hash] = self._runs
        elif kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
            self._max_age = msg.new_session.config.max_cached_message_age or self._max_age
        elif kind == "navigation" and msg.navigation.page_script_hash:
            self.page_script_hash = msg.navigation.page_script_hash   # the page st.navigation runs
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                errors.append(f"{element.exception.type}: {element.exception.message}"[:300])
            elif which == "selectbox" and not element.selectbox.form_id:
                box = element.selectbox
                value = box.raw_value if box.HasField("raw_value") else (
                    box.options[box.default] if box.HasField("default") and box.default < len(box.options) else None)
                boxes.append(_Selectbox(box.id, list(box.options), value))
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            errors.append(f"compile error: {msg.session_event.script_compilation_exception.message}"[:300])
        elif kind == "script_finished":
            if msg.script_finished == self._ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return False
            self._runs += 1
            self._cache = {h: seen for h, seen in self._cache.items() if self._runs - seen <= self._max_age}
            if msg.script_finished == self._ForwardMsg.FINISHED_WITH_COMPILE_ERROR and not errors:
                errors.append("the script did not compile")
            return True
        return False


def run_async(coroutine):
    """asyncio.run on a thread of its own: the caller's thread may already run an event loop (Playwright's
    sync API in the same test process does), and asyncio.run refuses to start inside one."""
    import asyncio  # deferred: only the measuring needs it
    import threading  # deferred: as above

    result: dict = {}

    def work() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as err:  # handed to the caller's thread
            result["error"] = err

    thread = threading.Thread(target=work, name="bench-websocket")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
