// Passkeys (WebAuthn) for the organiser console: adding one on the security page, and using one
// at the second step of sign-in. Each .passkey-ceremony names its two endpoints: one gives the
// options (JSON from the server, binary fields in base64url), the other takes the browser's
// signed answer. Nothing loads from elsewhere; without JavaScript the other factors still work.
(function () {
  "use strict";

  function fromBase64Url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var bytes = atob(base64), out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
    return out.buffer;
  }

  function toBase64Url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: fromBase64Url(d.id), transports: d.transports }; });
  }

  // The server's options as the browser's API wants them: ArrayBuffers where the JSON has base64url.
  function creationOptions(o) {
    o.challenge = fromBase64Url(o.challenge);
    o.user.id = fromBase64Url(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(o) {
    o.challenge = fromBase64Url(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return { publicKey: o };
  }

  // The browser's credential as JSON the server's Fido2 library reads.
  function answer(credential) {
    var r = credential.response, response = { clientDataJSON: toBase64Url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64Url(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toBase64Url(r.authenticatorData);
      response.signature = toBase64Url(r.signature);
      if (r.userHandle) response.userHandle = toBase64Url(r.userHandle);
    }
    return {
      id: credential.id, rawId: toBase64Url(credential.rawId), type: credential.type, response: response,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
  }

  function setUp(box) {
    var button = box.querySelector(".passkey-start");
    var error = box.querySelector(".passkey-error");
    var token = box.querySelector("input[name=__RequestVerificationToken]").value;
    var create = box.getAttribute("data-ceremony") === "create";

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      button.disabled = false;
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "RequestVerificationToken": token },
        body: JSON.stringify(body || {})
      });
    }

    if (!window.PublicKeyCredential || !navigator.credentials) {
      fail(box.getAttribute("data-unsupported"));
      button.disabled = true;
      return;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      error.hidden = true;
      var extra = {};
      box.querySelectorAll("input[data-send]").forEach(function (input) { extra[input.name] = input.value; });
      post(box.getAttribute("data-options"), extra)
        .then(function (r) { if (!r.ok) throw new Error("options " + r.status); return r.json(); })
        .then(function (options) {
          return create ? navigator.credentials.create(creationOptions(options)) : navigator.credentials.get(requestOptions(options));
        })
        .then(function (credential) {
          var body = answer(credential);
          Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
          return post(box.getAttribute("data-finish"), body);
        })
        .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, json: json }; }); })
        .then(function (result) {
          if (result.ok && result.json.redirect) window.location.assign(result.json.redirect);
          else fail(result.json.error || box.getAttribute("data-failed"));
        })
        .catch(function () { fail(box.getAttribute("data-failed")); });
    });
  }

  document.querySelectorAll(".passkey-ceremony").forEach(setUp);
})();
