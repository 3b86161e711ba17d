// emscripten library: mfstate_node_http (declared in node_http_client.cpp) asks the function
// the tool was started with (Module.mfstateHttp, lib/http-bridge.mjs) to carry out one request,
// and copies the answer into the module's memory.
mergeInto(LibraryManager.library, {
  mfstate_node_http__deps: ['malloc'],
  mfstate_node_http: function (method, url, headersJson, body, bodyLength, connectMs, readMs, writeMs,
                               totalMs, maxBytes, outBody, outLength, outHeaders) {
    var request = {
      method: UTF8ToString(method),
      url: UTF8ToString(url),
      headers: JSON.parse(UTF8ToString(headersJson)),
      body: HEAPU8.slice(body, body + bodyLength),
      connectMs: connectMs,
      readMs: readMs,
      writeMs: writeMs,
      totalMs: totalMs,
      maxBytes: maxBytes,
    };
    var answer = Module['mfstateHttp'](request);
    if (answer.error !== undefined) return -answer.error;
    var bytes = answer.body;
    var bodyPtr = _malloc(bytes.length + 1);
    HEAPU8.set(bytes, bodyPtr);
    var headersText = JSON.stringify(answer.headers);
    var headersSize = lengthBytesUTF8(headersText) + 1;
    var headersPtr = _malloc(headersSize);
    stringToUTF8(headersText, headersPtr, headersSize);
    HEAPU32[outBody >> 2] = bodyPtr;
    HEAPU32[outLength >> 2] = bytes.length;
    HEAPU32[outHeaders >> 2] = headersPtr;
    return answer.status;
  },
});
