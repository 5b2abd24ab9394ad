// Passkey sign-in and registration for the login pages: WebAuthn in the browser, verified by
// the server (py_webauthn). Loaded as a file (CSP: no inline script).
(function () {
  "use strict";

  function toBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function toB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    bytes.forEach((b) => { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(url, fields) {
    const body = new URLSearchParams(fields || {});
    const response = await fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    });
    return { ok: response.ok, data: await response.json() };
  }

  function showError(message) {
    const box = document.getElementById("passkey-error");
    box.textContent = message;
    box.hidden = false;
  }

  function credentialJson(credential) {
    const response = credential.response;
    const json = {
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toB64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toB64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toB64url(response.authenticatorData);
      json.response.signature = toB64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toB64url(response.userHandle); }
    }
    return JSON.stringify(json);
  }

  async function signIn(box) {
    const start = await post(box.dataset.optionsUrl);
    if (!start.ok) { showError("The passkey sign-in could not start."); return; }
    const options = start.data;
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    let credential;
    try {
      credential = await navigator.credentials.get({ publicKey: options });
    } catch (error) { showError("No passkey was used."); return; }
    const done = await post(box.dataset.verifyUrl,
      { credential: credentialJson(credential), next: box.dataset.next });
    if (done.ok) { window.location.assign(done.data.next); } else { showError(done.data.error); }
  }

  async function register(box) {
    const start = await post(box.dataset.optionsUrl);
    if (!start.ok) { showError(start.data.error || "Registration could not start."); return; }
    const options = start.data;
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    let credential;
    try {
      credential = await navigator.credentials.create({ publicKey: options });
    } catch (error) { showError("No passkey was registered."); return; }
    const done = await post(box.dataset.registerUrl,
      { credential: credentialJson(credential), next: box.dataset.next });
    if (!done.ok) { showError(done.data.error); return; }
    const codes = done.data.recovery_codes || [];
    if (codes.length === 0) { window.location.assign(done.data.next); return; }
    const list = document.getElementById("recovery-code-list");
    codes.forEach((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      list.appendChild(item);
    });
    document.getElementById("passkey-register-button").hidden = true;
    document.getElementById("recovery-codes").hidden = false;
  }

  const signInBox = document.getElementById("passkey-signin");
  if (signInBox) {
    document.getElementById("passkey-button").addEventListener("click", () => signIn(signInBox));
  }
  const registerBox = document.getElementById("passkey-register");
  if (registerBox) {
    document.getElementById("passkey-register-button")
      .addEventListener("click", () => register(registerBox));
  }
}());
