// emscripten library: mfstate_node_http (declared in node_http_send.cpp) asks the function the
// tool was started with (Module.mfstateHttp, lib/http-bridge.mjs) to carry out one request, and
// copies the answer (or node's message for a failure) into the module's memory.
mergeInto(LibraryManager.library, {
  mfstate_node_http__deps: ['malloc'],
  mfstate_node_http: function (method, url, headersJson, body, bodyLength, timeoutMs, minRate, maxBytes,
                               outBody, outLength, outHeaders) {
    var answer = Module['mfstateHttp']({
      method: UTF8ToString(method),
      url: UTF8ToString(url),
      headers: JSON.parse(UTF8ToString(headersJson)),
      body: HEAPU8.slice(body, body + bodyLength),
      timeoutMs: timeoutMs,
      minRate: minRate,
      maxBytes: maxBytes,
    });
    var failed = answer.failure !== undefined;
    var bytes = failed ? new TextEncoder().encode(answer.message || '') : answer.body;
    var bodyPtr = _malloc(bytes.length + 1);
    HEAPU8.set(bytes, bodyPtr);
    HEAPU32[outBody >> 2] = bodyPtr;
    HEAPU32[outLength >> 2] = bytes.length;
    if (failed) {
      HEAPU32[outHeaders >> 2] = 0;
      return -answer.failure;
    }
    var headersText = JSON.stringify(answer.headers);
    var headersSize = lengthBytesUTF8(headersText) + 1;
    var headersPtr = _malloc(headersSize);
    stringToUTF8(headersText, headersPtr, headersSize);
    HEAPU32[outHeaders >> 2] = headersPtr;
    return answer.status;
  },
});
