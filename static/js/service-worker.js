// The service worker of a static copy of the course (`omnicourse export site` writes it
// as sw.js, with VERSION and the CORE files above this line). Once a page has been
// opened over HTTP(S), every page, style, script and font is kept, so the course works
// offline; audio and PDFs are kept as they are first used. An audio player asks for
// byte ranges: they are cut from the kept file. A new export has a new VERSION, and
// what the earlier one kept is deleted once the new one is in place.
"use strict";

var CACHE = "omnicourse-" + VERSION;
var MEDIA_FILE = /\.(mp3|pdf)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE)
    .then(function (cache) {
      return cache.addAll(CORE.map(function (name) { return new Request(name, { cache: "reload" }); }));
    })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys()
    .then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("omnicourse-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    })
    .then(function () { return self.clients.claim(); }));
});

// A folder's address is its index.html.
function keptName(url) {
  var address = new URL(url);
  address.search = "";
  address.hash = "";
  if (address.pathname.slice(-1) === "/") address.pathname += "index.html";
  return address.toString();
}

function byteRange(response, header) {
  return response.arrayBuffer().then(function (buffer) {
    var size = buffer.byteLength;
    var match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    var start = 0;
    var end = size - 1;
    if (match && match[1]) {
      start = parseInt(match[1], 10);
      if (match[2]) end = Math.min(parseInt(match[2], 10), size - 1);
    } else if (match && match[2]) {
      start = Math.max(size - parseInt(match[2], 10), 0);
    }
    if (!match || start >= size || end < start) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(buffer.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": response.headers.get("Content-Type") || "audio/mpeg",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes",
      },
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  var name = keptName(request.url);
  var range = request.headers.get("Range");
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(name).then(function (kept) {
      if (kept) return range ? byteRange(kept, range) : kept;
      if (range) {
        // Not kept yet: the network answers this range, and the whole file is kept for later.
        event.waitUntil(fetch(name).then(function (whole) {
          if (whole.ok && whole.status === 200) return cache.put(name, whole);
        }).catch(function () {}));
        return fetch(request);
      }
      return fetch(request).then(function (response) {
        if (response.ok && response.status === 200 && (MEDIA_FILE.test(name) || response.type === "basic")) {
          cache.put(name, response.clone());
        }
        return response;
      });
    });
  }));
});
